// Entry point: validate configuration, migrate, load the integrations file, serve, shut down cleanly.
async function main(): Promise<void> {
  // Configuration errors are reported plainly, before anything else starts.
  let modules;
  try {
    modules = {
      ...(await import('./config.js')),
      ...(await import('./logger.js')),
      ...(await import('./db/client.js')),
      ...(await import('./domain/integrations-file.js')),
      ...(await import('./http/server.js')),
    };
  } catch (error) {
    if (['ConfigError', 'KeyringError', 'DataDirLockedError'].includes((error as Error)?.name)) {
      console.error(`switchboard: ${(error as Error).message}`);
      process.exit(1);
    }
    throw error;
  }
  const { config, logger, database, loadIntegrationsFile, startServer } = modules;

  const applied = await database.migrate();
  logger.info({ database: database.kind, applied }, applied.length ? 'database migrated' : 'database up to date');
  // A keyring that cannot open the stored secrets would start "fine" and fail on every token use.
  const { checkKeyring } = await import('./domain/key-rotation.js');
  const keys = await checkKeyring((await import('./crypto/keyring.js')).keyring);
  if (keys.missingKids.length || keys.wrongKids.length) {
    const problems = [
      keys.missingKids.length ? `missing key ids: ${keys.missingKids.join(', ')}` : '',
      keys.wrongKids.length ? `key ids whose key does not open what they sealed: ${keys.wrongKids.join(', ')}` : '',
    ].filter(Boolean);
    console.error(`switchboard: ENCRYPTION_KEYS cannot open the stored secrets (${problems.join('; ')}). Add the keys that sealed them (kid:base64key, comma-separated; the first encrypts).`);
    await database.close();
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
  const server = await startServer(config);
  logger.info({ url: server.url, publicUrl: config.publicUrl, graphiql: !config.isProduction }, `Switchboard listening: ${config.publicUrl}/graphql`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await server.close();
    await (await import('./events.js')).closeEvents();
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  console.error(`switchboard: failed to start: ${(error as Error)?.message ?? error}`);
  process.exit(1);
});
