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
