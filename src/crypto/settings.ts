// Secrets at rest: the keys that seal them.
import { z } from 'zod';
import { defineSettings, setting, type SettingsOf } from '../kernel/settings.js';

export const cryptoSettings = defineSettings(
  'Secrets at rest',
  {
    ENCRYPTION_KEYS: setting(z.string().optional(), '`kid:base64key,…` (32-byte keys); the first encrypts, all decrypt (rotation)', {
      shownDefault: 'generated into `DATA_DIR` in development',
      example: 'k2:...,k1:...',
    }),
  },
  (values) => ({ encryptionKeys: values.ENCRYPTION_KEYS || undefined }),
);
export type CryptoSettings = SettingsOf<typeof cryptoSettings>;
