// Rows made directly through the domain or Prisma, for tests of the read side.
import { randomBytes } from 'node:crypto';
import { prisma } from '../../src/db/client.js';
import { SHARED_OWNER_KEY } from '../../src/domain/access.js';
import { newId } from '../../src/domain/ids.js';
import { createIntegration, type CreateIntegrationInput } from '../../src/domain/integrations.js';

export function uniqueSlug(prefix = 'int'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function makeIntegration(overrides: Partial<CreateIntegrationInput> = {}) {
  return createIntegration({
    slug: uniqueSlug(),
    provider: 'custom',
    clientId: 'client-id',
    clientSecret: 'client-secret-value',
    authorizationUrl: 'https://provider.example/authorize',
    tokenUrl: 'https://provider.example/token',
    scopes: ['read'],
    ...overrides,
  });
}

export function makeConnection(integrationId: string, ownerId: string | null, name = 'default') {
  return prisma.connection.create({
    data: {
      id: newId(),
      integrationId,
      ownerId,
      ownerKey: ownerId ?? SHARED_OWNER_KEY,
      name,
      scopes: ['read'],
      metadata: { owner: ownerId },
    },
  });
}
