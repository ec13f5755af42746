// The console's build: served by Switchboard at /console from dist/console (npm run build), or by
// Vite with hot reload in development (npm run dev:console, which forwards the API to the server).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const server = process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:4000';
// The origin the server knows itself by (PUBLIC_URL, by default http://localhost:PORT).
const publicOrigin = new URL(process.env.PUBLIC_URL ?? 'http://localhost:4000').origin;

export default defineConfig({
  root,
  base: '/console/',
  plugins: [react()],
  // No inline script anywhere: the console's Content-Security-Policy allows its own files only.
  build: { outDir: fileURLToPath(new URL('../dist/console', import.meta.url)), emptyOutDir: true, modulePreload: { polyfill: false }, sourcemap: false },
  // The server checks the Origin of sign-ins and WebSockets against PUBLIC_URL: requests forwarded
  // from Vite's port carry the server's public origin.
  server: {
    proxy: {
      '/graphql': { target: server, ws: true, headers: { origin: publicOrigin } },
      '/console/api': { target: server, headers: { origin: publicOrigin } },
    },
  },
});
