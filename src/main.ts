// Entry point: validate configuration, listen (failing fast when the port is taken), migrate, load
// the integrations file, become ready, and on SIGTERM/SIGINT shut down gracefully and exit 0.
async function main(): Promise<void> {
  // Configuration errors are reported plainly, before anything else starts.
  let modules;
  try {
    modules = {
      ...(await import('./config.js')),
      ...(await import('./logger.js')),
    };
  } catch (error) {
    if (['ConfigError', 'KeyringError', 'DataDirLockedError'].includes((error as Error)?.name)) {
      console.error(`switchboard: ${(error as Error).message}`);
      process.exit(1);
    }
    throw error;
  }
  const { config, logger } = modules;
  // Before the modules that make spans load: the SDK is imported only when an endpoint is set.
  if (config.operations.otlpEndpoint) {
    const { startTracing } = await import('./telemetry/tracing.js');
    await startTracing({ serviceName: config.operations.serviceName, serviceVersion: process.env.npm_package_version });
    logger.info({ endpoint: config.operations.otlpEndpoint }, 'OpenTelemetry traces exported over OTLP/HTTP');
  }
  // Listen first, before loading the application: a taken port is reported at once, not after the
  // modules loaded and the migrations ran. Until ready, /health answers and everything else is 503.
  const http = await import('node:http');
  const bound = http.createServer();
  const starting = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const healthy = req.url === '/health';
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
    res.end(healthy ? '{"status":"ok"}' : '{"status":"starting"}');
  };
  bound.on('request', starting);
  try {
    await new Promise<void>((resolve, reject) => {
      bound.once('error', reject);
      bound.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      console.error(`switchboard: cannot listen on ${config.host}:${config.port}: ${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'} (set PORT or HOST)`);
      process.exit(1);
    }
    throw error;
  }
  try {
    const [{ database: db }, { loadIntegrationsFile }, { startServer }] = await Promise.all([
      import('./db/client.js'),
      import('./domain/integrations-file.js'),
      import('./http/server.js'),
    ]);
    const server = await startServer(config, { deferReady: true, server: bound });
    bound.off('request', starting);
    const listening = server;
    logger.info({ url: listening.url }, 'port bound; migrating the database');
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, drainMs: config.operations.shutdownDrainMs }, 'shutting down');
      // A last resort if something hangs well past the drain period.
      const force = setTimeout(() => {
        logger.error('shutdown did not finish in time: exiting');
        process.exit(1);
      }, config.operations.shutdownDrainMs + 15_000);
      force.unref();
      await listening.close(config.operations.shutdownDrainMs);
      await (await import('./events.js')).closeEvents();
      await db.close();
      await (await import('./telemetry/tracing.js')).stopTracing();
      logger.info('stopped');
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));

    const applied = await db.migrate();
    logger.info({ database: db.kind, applied }, applied.length ? 'database migrated' : 'database up to date');
    // A keyring that cannot open the stored secrets would start "fine" and fail on every token use.
    const { checkKeyring } = await import('./domain/key-rotation.js');
    const keys = await checkKeyring((await import('./crypto/keyring.js')).keyring);
    if (keys.missingKids.length || keys.wrongKids.length) {
      const problems = [
        keys.missingKids.length ? `missing key ids: ${keys.missingKids.join(', ')}` : '',
        keys.wrongKids.length ? `key ids whose key does not open what they sealed: ${keys.wrongKids.join(', ')}` : '',
      ].filter(Boolean);
      console.error(`switchboard: ENCRYPTION_KEYS cannot open the stored secrets (${problems.join('; ')}). Add the keys that sealed them (kid:base64key, comma-separated; the first encrypts).`);
      await db.close();
      process.exit(1);
    }
    if (config.integrationsFile) {
      const slugs = await loadIntegrationsFile(config.integrationsFile);
      logger.info({ file: config.integrationsFile, integrations: slugs }, 'integrations file loaded');
    }
    if (config.auth.devMode) {
      logger.warn('No authentication configured: requests without credentials act as the admin user "dev" (development only)');
      if (config.loopbackOnly) logger.warn({ host: config.host }, 'Without authentication the server listens on 127.0.0.1 only: set HOST (e.g. 0.0.0.0) to listen elsewhere');
      else logger.warn({ host: config.host }, `HOST=${config.host} is set with no authentication: anyone who can reach it is admin; only localhost and PUBLIC_URL's host names are answered`);
    }
    if (stopping) return;
    listening.ready();
    logger.info({ url: listening.url, publicUrl: config.publicUrl, graphiql: !config.isProduction }, `Switchboard listening: ${config.publicUrl}/graphql`);
  } catch (error) {
    if (['ConfigError', 'KeyringError', 'CatalogError', 'DataDirLockedError'].includes((error as Error)?.name)) {
      console.error(`switchboard: ${(error as Error).message}`);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error) => {
  console.error(`switchboard: failed to start: ${(error as Error)?.message ?? error}`);
  process.exit(1);
});
