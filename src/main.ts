// Entry point: read the configuration once, listen (failing fast when the port is taken), build the
// app, migrate, check the keyring, load the integrations file, become ready; on SIGTERM/SIGINT stop
// gracefully and exit 0.
import { existsSync } from 'node:fs';
import http from 'node:http';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './kernel/log.js';

/** Errors that mean "the configuration or the environment is wrong": reported plainly, exit 1. */
const STARTUP_ERRORS = new Set(['ConfigError', 'KeyringError', 'CatalogError', 'DataDirLockedError']);

function fail(message: string): never {
  console.error(`switchboard: ${message}`);
  process.exit(1);
}

/**
 * Outside production, `.env` in the working directory fills in what the environment does not set
 * (the environment wins). Production reads the environment only.
 */
function readEnvFile(): string | undefined {
  if (process.env.NODE_ENV === 'production' || !existsSync('.env')) return undefined;
  try {
    process.loadEnvFile('.env');
  } catch (error) {
    fail(`.env could not be read: ${(error as Error).message}`);
  }
  return '.env';
}

async function main(): Promise<void> {
  const envFile = readEnvFile();
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const logger = createLogger(config.log);
  if (envFile) logger.info({ file: envFile }, 'settings read from .env (the environment takes precedence)');
  // Before the modules that make spans load: the SDK is imported only when an endpoint is set.
  if (config.telemetry.otlpEndpoint) {
    const { startTracing } = await import('./telemetry/tracing.js');
    await startTracing({ serviceName: config.telemetry.serviceName, serviceVersion: process.env.npm_package_version });
    logger.info({ endpoint: config.telemetry.otlpEndpoint }, 'OpenTelemetry traces exported over OTLP/HTTP');
  }
  // Listen first, before loading the application: a taken port is reported at once, not after the
  // modules loaded and the migrations ran. Until ready, /health answers and everything else is 503.
  const bound = http.createServer();
  const starting = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const healthy = req.url === '/health';
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
    res.end(healthy ? '{"status":"ok"}' : '{"status":"starting"}');
  };
  bound.on('request', starting);
  try {
    await new Promise<void>((resolve, reject) => {
      bound.once('error', reject);
      bound.listen(config.server.port, config.server.host, () => resolve());
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      fail(
        `cannot listen on ${config.server.host}:${config.server.port}: ${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'} (set PORT or HOST)`,
      );
    }
    throw error;
  }

  // Milliseconds since the process started, per step of the start (bench:startup prints them).
  const phases: Record<string, number> = { listening: Math.round(performance.now()) };
  // The embedded database starts first, on its own thread: PGlite comes up on the other core while
  // this one loads the application's modules.
  // Should its thread ever stop, nothing can be stored until a restart: exit, for the process manager to restart.
  const embedded = config.database.url
    ? undefined
    : (await import('./db/embedded.js')).startEmbeddedDatabase(config.database, logger, () => {
        logger.fatal('exiting: the embedded database stopped');
        process.exit(1);
      });
  const appModules = Promise.all([import('./app.js'), import('./domain/key-rotation.js'), import('./domain/integrations-file.js')]);
  const { openDatabase } = await import('./db/database.js');
  const db = openDatabase(config.database, { logger, embedded });
  const migrating = db.migrate();
  // Handled where awaited; not an unhandled rejection while the modules load.
  migrating.catch(() => {});
  const [{ createApp }, { checkKeyring }, { loadIntegrationsFile }] = await appModules;
  phases.modulesLoaded = Math.round(performance.now());
  const app = createApp(config, { logger, database: db });
  const url = await app.listen({ server: bound });
  bound.off('request', starting);
  logger.info({ url }, 'port bound; migrating the database');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainMs: config.server.shutdownDrainMs }, 'shutting down');
    // A last resort if something hangs well past the drain period.
    const force = setTimeout(() => {
      logger.error('shutdown did not finish in time: exiting');
      process.exit(1);
    }, config.server.shutdownDrainMs + 15_000);
    force.unref();
    await app.stop();
    await db.close();
    await (await import('./telemetry/tracing.js')).stopTracing();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const applied = await migrating;
  phases.migrated = Math.round(performance.now());
  logger.info({ database: app.db.kind, applied }, applied.length ? 'database migrated' : 'database up to date');
  // A keyring that cannot open the stored secrets would start "fine" and fail on every token use.
  const keys = await checkKeyring(app.db, app.keyring);
  phases.keyringChecked = Math.round(performance.now());
  if (keys.missingKids.length || keys.wrongKids.length) {
    const problems = [
      keys.missingKids.length ? `missing key ids: ${keys.missingKids.join(', ')}` : '',
      keys.wrongKids.length ? `key ids whose key does not open what they sealed: ${keys.wrongKids.join(', ')}` : '',
    ].filter(Boolean);
    await db.close();
    fail(
      `ENCRYPTION_KEYS cannot open the stored secrets (${problems.join('; ')}). Add the keys that sealed them (kid:base64key, comma-separated; the first encrypts).`,
    );
  }
  if (config.providers.integrationsFile) {
    const slugs = await loadIntegrationsFile(app.services.integrations, config.providers.integrationsFile, process.env);
    logger.info({ file: config.providers.integrationsFile, integrations: slugs }, 'integrations file loaded');
  }
  if (config.auth.devMode) {
    logger.warn('No authentication configured: requests without credentials act as the admin user "dev" (development only)');
    if (config.loopbackOnly)
      logger.warn({ host: config.server.host }, 'Without authentication the server listens on 127.0.0.1 only: set HOST (e.g. 0.0.0.0) to listen elsewhere');
    else
      logger.warn(
        { host: config.server.host },
        `HOST=${config.server.host} is set with no authentication: anyone who can reach it is admin; only localhost and PUBLIC_URL's host names are answered`,
      );
  }
  if (!config.metrics.served) logger.warn('METRICS_TOKEN is not set: /metrics is off in production (404); set it to scrape with a bearer token');
  if (stopping) return;
  await app.ready();
  const startupMs = Math.round(performance.now());
  logger.info({ url, publicUrl: config.publicUrl, graphiql: !config.isProduction, startupMs, phases }, `Switchboard listening: ${config.publicUrl}/graphql`);
}

main().catch((error: unknown) => {
  if (STARTUP_ERRORS.has((error as Error)?.name)) fail((error as Error).message);
  fail(`failed to start: ${(error as Error)?.message ?? error}`);
});
