import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, Keyring, KeyringError } from '../../src/crypto/envelope.js';

const keyA = `a:${Buffer.alloc(32, 1).toString('base64')}`;
const keyB = `b:${Buffer.alloc(32, 2).toString('base64')}`;
const where = { table: 'Connection', rowId: 'row-1', field: 'credentials' };

describe('envelope encryption', () => {
  it('round-trips and never contains the plaintext', () => {
    const keyring = Keyring.parse(keyA);
    const sealed = keyring.encrypt('{"access_token":"very-secret"}', where);
    expect(sealed).not.toContain('very-secret');
    expect(JSON.parse(sealed)).toMatchObject({ v: 1, kid: 'a' });
    expect(Buffer.from(JSON.parse(sealed).iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(JSON.parse(sealed).tag, 'base64')).toHaveLength(16);
    expect(keyring.decrypt(sealed, where)).toBe('{"access_token":"very-secret"}');
  });

  it('uses a fresh IV every time', () => {
    const keyring = Keyring.parse(keyA);
    expect(keyring.encrypt('same', where)).not.toBe(keyring.encrypt('same', where));
  });

  it('rejects a tampered ciphertext', () => {
    const keyring = Keyring.parse(keyA);
    const envelope = JSON.parse(keyring.encrypt('secret value', where));
    const ct = Buffer.from(envelope.ct, 'base64');
    ct[0]! ^= 1;
    envelope.ct = ct.toString('base64');
    expect(() => keyring.decrypt(JSON.stringify(envelope), where)).toThrow(DecryptionError);
  });

  it('rejects a ciphertext moved to another row or field (associated data)', () => {
    const keyring = Keyring.parse(keyA);
    const sealed = keyring.encrypt('secret value', where);
    expect(() => keyring.decrypt(sealed, { ...where, rowId: 'row-2' })).toThrow(DecryptionError);
    expect(() => keyring.decrypt(sealed, { ...where, field: 'clientSecret' })).toThrow(DecryptionError);
    expect(() => keyring.decrypt(sealed, { ...where, table: 'Integration' })).toThrow(DecryptionError);
  });

  it('rejects a truncated tag, even one that Node would accept without authTagLength', () => {
    const keyring = Keyring.parse(keyA);
    const envelope = JSON.parse(keyring.encrypt('secret value', where));
    envelope.tag = Buffer.from(envelope.tag, 'base64').subarray(0, 4).toString('base64');
    expect(() => keyring.decrypt(JSON.stringify(envelope), where)).toThrow(DecryptionError);
  });

  it('rejects a forged envelope sealed with a 4-byte tag', () => {
    // An attacker who can guess 2^32 tags must not win: the tag length is fixed at 16 bytes.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.alloc(32, 1), iv, { authTagLength: 4 });
    const ct = Buffer.concat([cipher.update('x'), cipher.final()]);
    const forged = { v: 1, kid: 'a', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
    expect(() => Keyring.parse(keyA).decrypt(JSON.stringify(forged), where)).toThrow(DecryptionError);
  });

  it('fails closed on an unknown key id', () => {
    const sealed = Keyring.parse(keyB).encrypt('secret value', where);
    expect(() => Keyring.parse(keyA).decrypt(sealed, where)).toThrow(/No key with id "b"/);
  });

  it('rejects an envelope relabelled with another known key id', () => {
    const keyring = Keyring.parse(`${keyA},${keyB}`);
    const envelope = JSON.parse(keyring.encrypt('secret value', where));
    envelope.kid = 'b';
    expect(() => keyring.decrypt(JSON.stringify(envelope), where)).toThrow(DecryptionError);
  });

  it('rotates: the first key encrypts, older keys still decrypt, stale envelopes are detectable', () => {
    const old = Keyring.parse(keyA);
    const sealedWithOld = old.encrypt('secret value', where);
    const rotated = Keyring.parse(`${keyB},${keyA}`);
    expect(rotated.decrypt(sealedWithOld, where)).toBe('secret value');
    expect(rotated.isStale(sealedWithOld)).toBe(true);
    const resealed = rotated.encrypt('secret value', where);
    expect(JSON.parse(resealed).kid).toBe('b');
    expect(rotated.isStale(resealed)).toBe(false);
  });

  it('rejects malformed envelopes and key specs with clear errors', () => {
    expect(() => Keyring.parse(keyA).decrypt('not json', where)).toThrow(DecryptionError);
    expect(() => Keyring.parse(keyA).decrypt('{"v":2}', where)).toThrow(DecryptionError);
    expect(() => Keyring.parse('nokid')).toThrow(KeyringError);
    expect(() => Keyring.parse(`short:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => Keyring.parse(`${keyA},${keyA}`)).toThrow(/twice/);
  });
});
