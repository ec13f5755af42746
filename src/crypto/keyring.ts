// The process's keyring: ENCRYPTION_KEYS, or in development a key generated into the data folder.
import fs from 'node:fs';
import path from 'node:path';
import { config, type Config } from '../config.js';
import { logger } from '../logger.js';
import { Keyring } from './envelope.js';

export function loadKeyring(cfg: Config): Keyring {
  if (cfg.encryptionKeys) return Keyring.parse(cfg.encryptionKeys);
  // Production refuses to start without keys (see config.ts); only development gets here.
  if (cfg.dataDir.startsWith('memory://')) {
    logger.warn('ENCRYPTION_KEYS is not set: using a throw-away key for this in-memory database');
    return Keyring.parse(Keyring.generateKeySpec('ephemeral'));
  }
  const keyFile = path.join(cfg.dataDir, 'encryption-keys');
  if (!fs.existsSync(keyFile)) {
    fs.mkdirSync(cfg.dataDir, { recursive: true });
    fs.writeFileSync(keyFile, `${Keyring.generateKeySpec('dev')}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn({ keyFile }, 'ENCRYPTION_KEYS is not set: generated a development key (set ENCRYPTION_KEYS in production)');
  } else {
    logger.warn({ keyFile }, 'ENCRYPTION_KEYS is not set: using the development key from the data folder');
  }
  return Keyring.parse(fs.readFileSync(keyFile, 'utf8').trim());
}

export const keyring: Keyring = loadKeyring(config);
