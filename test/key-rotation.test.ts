import { describe, expect, it } from 'vitest';
import { Keyring } from '../src/crypto/envelope.js';
import { reencryptAll } from '../src/domain/key-rotation.js';
import { revealClientSecret } from '../src/domain/integrations.js';
import { makeIntegration } from './helpers/fixtures.js';
import { keyring as currentKeyring, prisma } from './helpers/database.js';
import { testApp } from './helpers/server.js';

describe('key rotation', () => {
  const app = testApp();

  it('re-encrypts secrets sealed with an old key under the new one; raw rows never hold plaintext', async () => {
    const integration = await makeIntegration(app, { clientSecret: 'rotate-me-secret' });
    const before = await prisma.integration.findUniqueOrThrow({ where: { id: integration.id } });
    expect(before.clientSecretEnc).not.toContain('rotate-me-secret');
    const oldKid = JSON.parse(before.clientSecretEnc!).kid;

    const rotated = Keyring.parse(`${Keyring.generateKeySpec('next')},${process.env.ENCRYPTION_KEYS}`);
    const counts = await reencryptAll(prisma, rotated);
    expect(counts.Integration).toBeGreaterThanOrEqual(1);

    const after = await prisma.integration.findUniqueOrThrow({ where: { id: integration.id } });
    expect(JSON.parse(after.clientSecretEnc!).kid).toBe('next');
    expect(after.clientSecretEnc).not.toContain('rotate-me-secret');
    expect(rotated.decrypt(after.clientSecretEnc!, { table: 'Integration', rowId: integration.id, field: 'clientSecret' })).toBe('rotate-me-secret');
    // The process keyring (old key only) now fails closed on the new envelope.
    expect(currentKeyring.currentKid).toBe(oldKid);
    expect(() => revealClientSecret(currentKeyring, after)).toThrow(/No key with id "next"/);
    // A second run has nothing left to do.
    expect((await reencryptAll(prisma, rotated)).Integration).toBe(0);
  });
});
