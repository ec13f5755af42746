// Rows made directly through an app's services or Prisma, for tests of the read side.
import { randomBytes } from 'node:crypto';
import type { App } from '../../src/app.js';
import { SHARED_OWNER_KEY } from '../../src/domain/access.js';
import type { CreateIntegrationInput } from '../../src/domain/integrations.js';
import { newId } from '../../src/kernel/ids.js';
import { prisma } from './database.js';
import { json, startUpstream } from './upstream.js';

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

/**
 * A custom integration whose API is a fake upstream on 127.0.0.1 answering `GET /api/v1/item` to
 * `Bearer <name>-token`, and an app-owned connection holding that token: what a proxyRequest needs.
 */
export async function proxiedIntegration(app: Pick<App, 'services'>, name: string) {
  const upstream = await startUpstream();
  upstream.routes.set('/api/v1/item', (req, res) =>
    req.headers.authorization === `Bearer ${name}-token` ? json(res, 200, { id: 'item-1', tags: ['a', 'b'] }) : json(res, 401, { error: 'invalid_token' }),
  );
  const slug = uniqueSlug(name);
  await app.services.integrations.create({
    slug,
    provider: 'custom',
    clientId: 'c',
    clientSecret: `${name}-client-secret`,
    authorizationUrl: `${upstream.url}/authorize`,
    tokenUrl: `${upstream.url}/token`,
    apiBaseUrl: `${upstream.url}/api/v1`,
  });
  await app.services.createConnection(
    { userId: 'switchboard:api-key', isAdmin: true, via: 'api-key' },
    { integration: slug, accessToken: `${name}-token`, refreshToken: `${name}-refresh`, expiresAt: new Date(Date.now() + 3600_000) },
  );
  return { upstream, slug };
}
