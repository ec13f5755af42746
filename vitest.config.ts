// Every suite runs on the embedded database (PGlite). When DATABASE_URL is set (as in .ci/run),
// the same suites run again on PostgreSQL, with REDIS_URL for cross-instance pub/sub.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { defineConfig } from 'vitest/config';

// Names this run's test databases, so that the global teardown drops this run's leftovers only.
process.env.TEST_RUN_ID ??= randomBytes(4).toString('hex');

const shared = {
  setupFiles: ['test/setup/environment.ts'],
  include: ['test/**/*.test.ts'],
  // Unit tests need no database: they run once, in their own project, without one.
  exclude: ['test/unit/**'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  globalSetup: [] as string[],
};

// Files whose behaviour does not depend on the database kind run in the embedded project only: on
// PostgreSQL they would prove nothing more, at the cost of minutes. What a file stores goes through
// the same Prisma client on both, and the files that prove the database layer (leases, change feed,
// outbox, migrations, sessions) stay on both.
const onceOnEmbedded = [
  // The provider catalog: entries, templates and token-response parsing against fakes.
  'test/catalog.test.ts',
  'test/catalog-discovery-diff.test.ts',
  'test/catalog-fixes.test.ts',
  'test/catalog-growth.test.ts',
  'test/catalog-providers.test.ts',
  'test/catalog-readme.test.ts',
  'test/catalog-regions.test.ts',
  'test/catalog-verify.test.ts',
  'test/catalog-verify-coverage.test.ts',
  'test/catalog-yaml-values.test.ts',
  // The scope rules of every root field, decided before any domain call.
  'test/scope-table.test.ts',
  // The docs' snippets and runnable blocks: a development server on the embedded database, as a reader runs them.
  'test/docs-clients.test.ts',
  'test/docs-run.test.ts',
  'test/docs-snippets.test.ts',
  // Pages in a browser and what the newcomer starts (npm run dev, npm start, the image): the embedded
  // database whatever the project. console-browser.test.ts is not here: its sessions run on both.
  'test/browser-popup.test.ts',
  'test/connect-page-browser.test.ts',
  'test/graphiql-browser.test.ts',
  'test/mcp-browser.test.ts',
  'test/dev-server.test.ts',
  'test/newcomer-path.test.ts',
  'test/deployment.test.ts',
  // The embedded database itself, or scratch PGlite instances, whatever the project's database.
  'test/embedded-database.test.ts',
  'test/embedded-wasm-compiler.test.ts',
  'test/data-dir-lock.test.ts',
  'test/disk-full.test.ts',
  'test/migration-fast-path.test.ts',
  'test/pglite-template.test.ts',
  // No database: the printed schema, HTTP and GraphQL transport, token-endpoint parsing and
  // authentication, the SDK's client side and outbound address checks.
  'test/schema.test.ts',
  'test/transport.test.ts',
  'test/developer-errors.test.ts',
  'test/graphql-fast-path.test.ts',
  'test/shared-subscription-execution.test.ts',
  'test/provider-responses.test.ts',
  'test/private-key-jwt.test.ts',
  'test/node-sdk.test.ts',
  'test/security-outbound.test.ts',
];

const projects = [
  {
    extends: true as const,
    test: {
      ...shared,
      name: 'unit',
      include: ['test/unit/**/*.test.ts'],
      exclude: [],
      setupFiles: ['test/setup/variables.ts'],
      env: { DATABASE_URL: '', REDIS_URL: '' },
    },
  },
  {
    extends: true as const,
    test: {
      ...shared,
      name: 'embedded',
      globalSetup: ['test/setup/global-embedded.ts'],
      env: { DATABASE_URL: '', REDIS_URL: '', TEST_DATABASE: 'pglite', TEST_RUN_ID: process.env.TEST_RUN_ID },
    },
  },
];
if (process.env.DATABASE_URL) {
  projects.push({
    extends: true as const,
    test: {
      ...shared,
      name: 'postgresql',
      exclude: [...shared.exclude, ...onceOnEmbedded],
      globalSetup: ['test/setup/global.ts'],
      env: {
        DATABASE_URL: process.env.DATABASE_URL,
        REDIS_URL: process.env.REDIS_URL ?? '',
        TEST_DATABASE: 'postgresql',
        TEST_RUN_ID: process.env.TEST_RUN_ID,
      },
    },
  });
}

export default defineConfig({
  // graphql 16 ships both CJS and .mjs builds without an exports map; vitest would pick the .mjs one
  // for our code while dependencies load the CJS one, and graphql refuses types from "another realm".
  resolve: { alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }] },
  test: {
    projects,
    reporters: ['default'],
    pool: 'forks',
    // Files wait on servers, child processes and the database more than on the CPU: one worker per
    // core (vitest's default leaves one core idle, which doubles the suite's time on two cores).
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
  },
});
