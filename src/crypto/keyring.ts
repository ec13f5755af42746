// The keyring of an app: ENCRYPTION_KEYS, or in development a key generated into the data folder.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../kernel/log.js';
import { Keyring } from './envelope.js';
import type { CryptoSettings } from './settings.js';

export function loadKeyring(settings: CryptoSettings & { dataDir: string }, logger: Logger): Keyring {
  if (settings.encryptionKeys) return Keyring.parse(settings.encryptionKeys);
  // Production refuses to start without keys (see src/config.ts); only development gets here.
  if (settings.dataDir.startsWith('memory://')) {
    logger.warn('ENCRYPTION_KEYS is not set: using a throw-away key for this in-memory database');
    return Keyring.parse(Keyring.generateKeySpec('ephemeral'));
  }
  const keyFile = path.join(settings.dataDir, 'encryption-keys');
  if (!fs.existsSync(keyFile)) {
    fs.mkdirSync(settings.dataDir, { recursive: true });
    fs.writeFileSync(keyFile, `${Keyring.generateKeySpec('dev')}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn({ keyFile }, 'ENCRYPTION_KEYS is not set: generated a development key (set ENCRYPTION_KEYS in production)');
  } else {
    logger.warn({ keyFile }, 'ENCRYPTION_KEYS is not set: using the development key from the data folder');
  }
  return Keyring.parse(fs.readFileSync(keyFile, 'utf8').trim());
}
