// `npm run keys:rotate`: re-encrypts every secret with the first key of ENCRYPTION_KEYS.
import { loadConfig } from '../config.js';
import { loadKeyring } from '../crypto/keyring.js';
import { openDatabase } from '../db/database.js';
import { reencryptAll } from '../domain/key-rotation.js';
import { createLogger } from '../kernel/log.js';

const config = loadConfig(process.env);
const logger = createLogger(config.log);
const keyring = loadKeyring({ ...config.crypto, dataDir: config.database.dataDir }, logger);
const database = openDatabase(config.database, { logger });
try {
  await database.migrate();
  const counts = await reencryptAll(database.prisma, keyring);
  console.log(`Re-encrypted with key "${keyring.currentKid}":`, counts);
} finally {
  await database.close();
}
