// Runs before each test file: a fixed encryption key, quiet logs, and settings that keep test files
// apart. Files under test/unit need nothing more; the others also get a database (environment.ts).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { testDataPrefix, testDataRoot } from './database-prefix.js';

process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL ??= 'silent';
// Tests that check what is logged raise logger.level and read this file.
process.env.LOG_FILE = path.join(os.tmpdir(), `switchboard-test-${randomBytes(6).toString('hex')}.log`);
process.env.ENCRYPTION_KEYS ??= `test1:${Buffer.alloc(32, 7).toString('base64')}`;
process.env.ALLOW_LOCAL_PROVIDERS ??= 'true';
// Background refresh would race with what tests count; its own tests run sweeps directly.
process.env.REFRESH_INTERVAL_SECONDS ??= '0';
// Likewise the webhook delivery worker: webhook tests start servers with it on.
process.env.WEBHOOK_POLL_INTERVAL_MS ??= '0';
// And the provider-webhook forwarding job: provider-webhook tests turn it on.
process.env.PROVIDER_WEBHOOK_POLL_INTERVAL_MS ??= '0';
// And the embedded database's VACUUM and ANALYZE: its tests run a pass directly.
process.env.EMBEDDED_MAINTENANCE_INTERVAL_SECONDS ??= '0';
// A data directory of the file's own, under the system's temporary directory: a new embedded database
// there starts as a copy of the build's migrated template (dist/pglite-template) when there is one,
// instead of PGlite's initdb per file (seconds). environment.ts removes it after the file.
process.env.DATA_DIR = path.join(testDataRoot(), `${testDataPrefix()}${randomBytes(6).toString('hex')}`);
// Test files run in parallel against one Redis: each has its own channel, as separate deployments would.
// TEST_REDIS_PREFIX and TEST_DATABASE_PREFIX keep runs that share one Redis or PostgreSQL apart.
process.env.REDIS_PREFIX = `${process.env.TEST_REDIS_PREFIX || 'switchboard-test-'}${randomBytes(6).toString('hex')}`;
for (const name of ['JWT_SECRET', 'JWT_JWKS_URL', 'API_KEYS', 'INTEGRATIONS_FILE', 'PUBLIC_URL']) delete process.env[name];
