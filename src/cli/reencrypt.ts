// `npm run keys:rotate`: re-encrypts every secret with the first key of ENCRYPTION_KEYS.
import { keyring } from '../crypto/keyring.js';
import { database } from '../db/client.js';
import { reencryptAll } from '../domain/key-rotation.js';

try {
  await database.migrate();
  const counts = await reencryptAll(keyring);
  console.log(`Re-encrypted with key "${keyring.currentKid}":`, counts);
} finally {
  await database.close();
}
