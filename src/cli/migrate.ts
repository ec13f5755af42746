// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database.
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { createLogger } from '../kernel/log.js';

const config = loadConfig(process.env);
const database = openDatabase(config.database, { logger: createLogger(config.log) });
try {
  const applied = await database.migrate();
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
} finally {
  await database.close();
}
