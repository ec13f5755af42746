// Switchboard on an in-memory embedded database, for benchmarks: the environment is set before the
// modules that read it are loaded, and the migrations are applied.
export const BENCH_API_KEY = 'sb_bench_api_key_0123456789abcdef';

export async function loadEmbeddedSwitchboard(extraEnv: Record<string, string> = {}) {
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
  const modules = {
    ...(await import('../src/config.js')),
    ...(await import('../src/db/client.js')),
    ...(await import('../src/domain/integrations.js')),
    ...(await import('../src/oauth/create-connection.js')),
    ...(await import('../src/events.js')),
    ...(await import('../src/domain/status-stream.js')),
    ...(await import('../src/http/server.js')),
  };
  await modules.database.migrate();
  return modules;
}
