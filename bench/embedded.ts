// Switchboard on an in-memory embedded database, for benchmarks: an app (src/app.ts) built from the
// environment set here, with the migrations applied. serve() makes it listen and become ready (its
// background jobs start then, as a server's do); close() stops it and closes its database.
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/kernel/log.js';

export const BENCH_API_KEY = 'sb_bench_api_key_0123456789abcdef';

export async function loadEmbeddedSwitchboard(extraEnv: Record<string, string> = {}, options: { observeQueries?: boolean } = {}) {
  Object.assign(process.env, {
    NODE_ENV: 'test',
    DATA_DIR: 'memory://',
    DATABASE_URL: '',
    REDIS_URL: '',
    ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 3).toString('base64')}`,
    API_KEYS: BENCH_API_KEY,
    ALLOW_LOCAL_PROVIDERS: 'true',
    LOG_LEVEL: 'warn',
    REFRESH_INTERVAL_SECONDS: '0',
    ...extraEnv,
  });
  const config = loadConfig(process.env);
  const logger = createLogger(config.log);
  // Opened here (not by the app) so that a bench may observe its statements (database.onQuery).
  const database = openDatabase(config.database, { logger, observeQueries: options.observeQueries });
  await database.migrate();
  const app = createApp(config, { database, logger });
  return Object.assign(app, {
    /** Listens on 127.0.0.1 (a free port) and becomes ready: everything is served and the jobs start. */
    async serve(): Promise<string> {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      await app.ready();
      return url;
    },
    /** Stops the app (gracefully, as a server stops) and closes its database. */
    async close(): Promise<void> {
      await app.stop();
      await database.close();
    },
  });
}
