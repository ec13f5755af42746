// Rows made directly through an app's services or Prisma, for tests of the read side.
import { randomBytes } from 'node:crypto';
import type { App } from '../../src/app.js';
import { SHARED_OWNER_KEY } from '../../src/domain/access.js';
import type { CreateIntegrationInput } from '../../src/domain/integrations.js';
import { newId } from '../../src/kernel/ids.js';
import { prisma } from './database.js';

export function uniqueSlug(prefix = 'int'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function makeIntegration(app: Pick<App, 'services'>, overrides: Partial<CreateIntegrationInput> = {}) {
  return app.services.integrations.create({
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

/** A shared integration of the catalog's `provider` whose API is at `apiBaseUrl` (a fake's). */
export function catalogIntegrationAt(app: Pick<App, 'services'>, provider: string, apiBaseUrl: string) {
  return app.services.integrations.create({ slug: uniqueSlug(provider), provider, clientId: 'id', clientSecret: 'secret', apiBaseUrl, isShared: true });
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
