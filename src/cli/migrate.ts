// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database.
import { database } from '../db/client.js';

try {
  const applied = await database.migrate();
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
} finally {
  await database.close();
}
