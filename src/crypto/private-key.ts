// Private keys that sign assertions (JWT bearer service accounts, GitHub App JWTs): checked when they
// are written, so a bad key is a ValidationError at once rather than a failed token request later.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ValidationError } from '../kernel/errors.js';
import { memoize } from '../kernel/memo.js';

/** The JWS algorithm a key signs with: RS256 for RSA (2048 bits or more), ES256 for P-256. */
export type SigningAlgorithm = 'RS256' | 'ES256';

export interface SigningKey {
  key: KeyObject;
  alg: SigningAlgorithm;
}

/** What a written key gave: the PEM, and from a Google service account JSON key, its identity too. */
export interface ParsedPrivateKey {
  pem: string;
  /** Google's `client_email`. */
  clientEmail?: string;
  /** Google's `private_key_id`: sent as the JWT's `kid`. */
  keyId?: string;
}

const MAX_KEY_CHARS = 16_384;

/**
 * Accepts a PEM private key (PKCS#8, PKCS#1 "RSA PRIVATE KEY" as GitHub issues them, or SEC1 "EC
 * PRIVATE KEY"), or a Google service account key file (JSON with `private_key`, `client_email`).
 */
export function parsePrivateKey(text: string, field = 'privateKey'): ParsedPrivateKey {
  const invalid = (message: string) => ValidationError.field(field, message);
  if (text.length > MAX_KEY_CHARS) throw invalid(`${field} is limited to ${MAX_KEY_CHARS} characters.`);
  let parsed: ParsedPrivateKey;
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw invalid(`${field} looks like JSON but does not parse.`);
    }
    if (typeof json.private_key !== 'string') throw invalid(`${field} is JSON without a "private_key" (expected a service account key file).`);
    parsed = {
      pem: json.private_key,
      clientEmail: typeof json.client_email === 'string' ? json.client_email : undefined,
      keyId: typeof json.private_key_id === 'string' ? json.private_key_id : undefined,
    };
  } else {
    parsed = { pem: trimmed };
  }
  signingKeyOf(parsed.pem, field);
  return parsed;
}

/** The key object and algorithm for a PEM (parsed once per process: parsing RSA keys is not free). */
export function signingKeyOf(pem: string, field = 'privateKey'): SigningKey {
  const parsed = parsedSigningKey(pem);
  if ('problem' in parsed) throw ValidationError.field(field, `${field} ${parsed.problem}`);
  return parsed;
}

const parsedSigningKey = memoize((pem: string): SigningKey | { problem: string } => {
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem)) {
    return { problem: 'must be a PEM private key ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----"), not a public key or certificate.' };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return { problem: 'is not a readable PEM private key (encrypted keys are not supported).' };
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return { problem: 'must be an RSA key of at least 2048 bits.' };
    return { key, alg: 'RS256' };
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ES256' };
  return { problem: 'must be an RSA (RS256) or P-256 EC (ES256) key.' };
}, 1_000);
