// Standard Webhooks signing: secrets "whsec_<base64>", and "v1,<base64 HMAC-SHA256 of id.timestamp.body>"
// per secret in webhook-signature (space-separated, so a rotated secret can sign beside the new one).
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The key bytes of a Standard Webhooks secret: the base64 after "whsec_" (or the whole secret without it). */
export function whsecBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** A secret's HMAC key, made once: a key object spares the key's import on every signature. */
export function signingKeyOf(secret: string): KeyObject {
  return createSecretKey(whsecBytes(secret));
}

/** The webhook-signature header: one signature per key (the current secret's, then the previous one's). */
export function signatureHeader(keys: KeyObject[], messageId: string, timestampSeconds: number, body: string): string {
  const content = `${messageId}.${timestampSeconds}.${body}`;
  return keys.map((key) => `v1,${createHmac('sha256', key).update(content).digest('base64')}`).join(' ');
}
