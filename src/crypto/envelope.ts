// AES-256-GCM envelopes for secrets at rest: {v, kid, iv, tag, ct}. The associated data binds each
// ciphertext to its table, row, field and key id, so a ciphertext copied to another row or field,
// or relabelled with another kid, fails to decrypt instead of leaking into the wrong place.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface Envelope {
  v: 1;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

/** Where a ciphertext lives; part of the associated data. */
export interface EnvelopeContext {
  table: string;
  rowId: string;
  field: string;
}

export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

export class KeyringError extends Error {
  override name = 'KeyringError';
}

interface Key {
  kid: string;
  key: Buffer;
}

export class Keyring {
  /** Imported once: a raw Buffer would be imported again by every cipher made with it. */
  readonly #keys: Map<string, KeyObject>;
  readonly currentKid: string;

  constructor(keys: Key[]) {
    if (keys.length === 0) throw new KeyringError('A keyring needs at least one key.');
    this.#keys = new Map();
    for (const { kid, key } of keys) {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid)) throw new KeyringError(`Key id "${kid}" must be 1-64 of A-Z a-z 0-9 . _ -`);
      if (key.length !== KEY_BYTES) throw new KeyringError(`Key "${kid}" must be ${KEY_BYTES} bytes (base64-encoded).`);
      if (this.#keys.has(kid)) throw new KeyringError(`Key id "${kid}" appears twice.`);
      this.#keys.set(kid, createSecretKey(key));
    }
    this.currentKid = keys[0]!.kid;
  }

  /** Parses `kid:base64key,kid2:base64key2`; the first key encrypts, all decrypt. */
  static parse(spec: string): Keyring {
    const keys = spec
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const separator = entry.indexOf(':');
        if (separator < 1) throw new KeyringError('ENCRYPTION_KEYS entries look like kid:base64key');
        return { kid: entry.slice(0, separator), key: Buffer.from(entry.slice(separator + 1), 'base64') };
      });
    return new Keyring(keys);
  }

  static generateKeySpec(kid = `k${Date.now().toString(36)}`): string {
    return `${kid}:${randomBytes(KEY_BYTES).toString('base64')}`;
  }

  encrypt(plaintext: string, context: EnvelopeContext): string {
    const kid = this.currentKid;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(kid)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(context, kid));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const envelope: Envelope = {
      v: 1,
      kid,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
    return JSON.stringify(envelope);
  }

  decrypt(serialized: string, context: EnvelopeContext): string {
    const envelope = parseEnvelope(serialized);
    const key = this.#keys.get(envelope.kid);
    // Fail closed: an unknown key id is never "skipped" or tried against other keys.
    if (!key) throw new DecryptionError(`No key with id "${envelope.kid}" in the keyring.`);
    const iv = Buffer.from(envelope.iv, 'base64');
    const tag = Buffer.from(envelope.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new DecryptionError('Malformed envelope.');
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(context, envelope.kid));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError('Ciphertext failed authentication.');
    }
  }

  /** Whether the keyring holds a key with this id. */
  hasKey(kid: string): boolean {
    return this.#keys.has(kid);
  }

  /** Whether the envelope was sealed with a key other than the current one. */
  isStale(serialized: string): boolean {
    return parseEnvelope(serialized).kid !== this.currentKid;
  }
}

function associatedData(context: EnvelopeContext, kid: string): Buffer {
  return Buffer.from(JSON.stringify(['switchboard/v1', context.table, context.rowId, context.field, kid]), 'utf8');
}

function parseEnvelope(serialized: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(serialized);
  } catch {
    throw new DecryptionError('Malformed envelope.');
  }
  const envelope = value as Partial<Envelope>;
  if (
    envelope?.v !== 1 ||
    typeof envelope.kid !== 'string' ||
    typeof envelope.iv !== 'string' ||
    typeof envelope.tag !== 'string' ||
    typeof envelope.ct !== 'string'
  ) {
    throw new DecryptionError('Malformed envelope.');
  }
  return envelope as Envelope;
}
