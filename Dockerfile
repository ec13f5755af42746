# Switchboard: a multi-stage image. The build stage installs everything and compiles src/ (with the
# generated Prisma client) to dist/; the runtime stage has production dependencies only, runs as a
# non-root user, and starts `node dist/main.js` directly so that SIGTERM reaches the server.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY console ./console
COPY schema.graphql ./
RUN npm run build

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the Prisma client is already compiled into dist/.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY prisma ./prisma
# packages/connect/index.js is served as /sdk/connect.js.
COPY packages ./packages
COPY --from=build /app/dist ./dist
# The embedded database (when DATABASE_URL is unset) lives in the data volume, owned by the app's user.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/main.js"]
