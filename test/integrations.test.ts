import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { loadIntegrationsFile } from '../src/domain/integrations-file.js';
import { makeConnection, uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, testApp, userHeaders } from './helpers/server.js';
import { keyring, prisma } from './helpers/database.js';
import type { UrlPolicy } from '../src/domain/integrations.js';

const CREATE = /* GraphQL */ `
  mutation ($input: CreateIntegrationInput!) {
    createIntegration(input: $input) {
      __typename
      ... on CreateIntegrationPayload {
        integration {
          id
          slug
          name
          provider
          authType
          scopes
          isShared
          hasClientSecret
          clientId
        }
      }
      ... on Error {
        message
        code
      }
      ... on ValidationError {
        fieldErrors {
          field
          message
        }
      }
    }
  }
`;

const validInput = () => ({
  slug: uniqueSlug('acme'),
  provider: 'custom',
  clientId: 'acme-client',
  clientSecret: 'acme-secret-123',
  authorizationUrl: 'https://auth.acme.example/authorize',
  tokenUrl: 'https://auth.acme.example/token',
  scopes: ['read', 'write'],
});

describe('integrations', async () => {
  const server = await startTestServer();

  it('an admin creates an integration; the client secret is stored encrypted and never readable', async () => {
    const input = validInput();
    const response = await graphql(server, CREATE, { input }, adminHeaders);
    expect(response.data.createIntegration).toMatchObject({
      __typename: 'CreateIntegrationPayload',
      integration: { slug: input.slug, name: input.slug, authType: 'OAUTH2', hasClientSecret: true, clientId: 'acme-client' },
    });
    const row = await prisma.integration.findUniqueOrThrow({ where: { slug: input.slug } });
    expect(JSON.stringify(row)).not.toContain('acme-secret-123');
    // No field of the schema can return it.
    const everything = await graphql(server, `{ integration(integration: "${input.slug}") { id slug authorizationParams tokenUrl } }`, {}, adminHeaders);
    expect(JSON.stringify(everything)).not.toContain('acme-secret-123');
  });

  it('a non-admin gets ForbiddenError as data, and nothing is created', async () => {
    const input = validInput();
    const response = await graphql(server, CREATE, { input }, await userHeaders('alice'));
    expect(response.data.createIntegration).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(await prisma.integration.count({ where: { slug: input.slug } })).toBe(0);
  });

  it.each([
    ['a bad slug', { slug: 'Bad Slug!' }, 'slug'],
    ['a duplicate slug', { slug: 'dup' }, 'slug'],
    ['a token URL that is not a URL', { tokenUrl: 'not a url' }, 'tokenUrl'],
    ['missing endpoints', { authorizationUrl: undefined, tokenUrl: undefined }, 'authorizationUrl'],
    ['a missing client id', { clientId: undefined }, 'clientId'],
    ['an unknown provider template', { provider: 'no-such-provider' }, 'provider'],
    ['a reserved authorization parameter', { authorizationParams: { redirect_uri: 'https://evil.example' } }, 'authorizationParams'],
    ['a scope with a space', { scopes: ['read write'] }, 'scopes.0'],
  ])('rejects %s with a ValidationError naming the field', async (_name, change, field) => {
    if ('slug' in change && change.slug === 'dup') await graphql(server, CREATE, { input: { ...validInput(), slug: 'dup' } }, adminHeaders);
    const before = await prisma.integration.count();
    const response = await graphql(server, CREATE, { input: { ...validInput(), ...change } }, adminHeaders);
    expect(response.data.createIntegration.__typename).toBe('ValidationError');
    expect(response.data.createIntegration.fieldErrors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await prisma.integration.count()).toBe(before);
  });

  it('updates fields, re-encrypts a new secret, and clears an optional one with null', async () => {
    const input = validInput();
    await graphql(server, CREATE, { input }, adminHeaders);
    const response = await graphql(
      server,
      `
        mutation ($input: UpdateIntegrationInput!) {
          updateIntegration(input: $input) {
            __typename
            ... on UpdateIntegrationPayload {
              integration {
                name
                scopes
                hasClientSecret
                revocationUrl
              }
            }
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { integration: input.slug, name: 'Acme', scopes: ['read'], clientSecret: null, revocationUrl: 'https://auth.acme.example/revoke' } },
      adminHeaders,
    );
    expect(response.data.updateIntegration).toEqual({
      __typename: 'UpdateIntegrationPayload',
      integration: { name: 'Acme', scopes: ['read'], hasClientSecret: false, revocationUrl: 'https://auth.acme.example/revoke' },
    });
  });

  it('deletes an integration with its connections, by slug or global id', async () => {
    const input = validInput();
    const created = await graphql(server, CREATE, { input }, adminHeaders);
    const integrationId = created.data.createIntegration.integration.id;
    const row = await prisma.integration.findUniqueOrThrow({ where: { slug: input.slug } });
    await makeConnection(row.id, 'alice');
    const response = await graphql(
      server,
      `
        mutation ($input: DeleteIntegrationInput!) {
          deleteIntegration(input: $input) {
            __typename
            ... on DeleteIntegrationPayload {
              deletedIntegrationId
            }
          }
        }
      `,
      { input: { integration: integrationId } },
      adminHeaders,
    );
    expect(response.data.deleteIntegration).toEqual({ __typename: 'DeleteIntegrationPayload', deletedIntegrationId: integrationId });
    expect(await prisma.connection.count({ where: { integrationId: row.id } })).toBe(0);
    const again = await graphql(
      server,
      `
        mutation ($input: DeleteIntegrationInput!) {
          deleteIntegration(input: $input) {
            __typename
          }
        }
      `,
      { input: { integration: input.slug } },
      adminHeaders,
    );
    expect(again.data.deleteIntegration.__typename).toBe('NotFoundError');
  });

  it('finds an integration by slug, raw id, global id, and through node()', async () => {
    const input = validInput();
    await graphql(server, CREATE, { input }, adminHeaders);
    const row = await prisma.integration.findUniqueOrThrow({ where: { slug: input.slug } });
    const globalId = encodeGlobalID('Integration', row.id);
    for (const reference of [input.slug, row.id, globalId]) {
      const response = await graphql(
        server,
        `
          query ($r: String!) {
            integration(integration: $r) {
              id
              slug
            }
          }
        `,
        { r: reference },
        await userHeaders('u'),
      );
      expect(response.data.integration).toEqual({ id: globalId, slug: input.slug });
    }
    const node = await graphql(
      server,
      `
        query ($id: ID!) {
          node(id: $id) {
            ... on Integration {
              slug
            }
          }
        }
      `,
      { id: globalId },
      await userHeaders('u'),
    );
    expect(node.data.node).toEqual({ slug: input.slug });
    const missing = await graphql(
      server,
      `
        {
          integration(integration: "nope") {
            id
          }
        }
      `,
      {},
      await userHeaders('u'),
    );
    expect(missing.data.integration).toBeNull();
  });

  it('hides admin-only fields from users', async () => {
    const input = validInput();
    await graphql(server, CREATE, { input }, adminHeaders);
    const response = await graphql(server, `{ integration(integration: "${input.slug}") { slug clientId } }`, {}, await userHeaders('u'));
    expect(response.data.integration).toEqual({ slug: input.slug, clientId: null });
    expect(response.errors?.[0]).toMatchObject({ path: ['integration', 'clientId'], extensions: { code: 'FORBIDDEN' } });
  });
});

describe('provider endpoints', () => {
  it('must be https on a public host unless ALLOW_LOCAL_PROVIDERS is set', async () => {
    const { providerUrlProblem } = await import('../src/domain/integrations.js');
    const policy = (allowLocalProviders: boolean): UrlPolicy => ({ allowLocalProviders, isSandboxEndpoint: () => false });
    expect(providerUrlProblem('https://login.example.com/authorize', policy(false))).toBeUndefined();
    expect(providerUrlProblem('http://login.example.com/authorize', policy(false))).toMatch(/https/);
    for (const local of [
      'https://127.0.0.1/x',
      'https://localhost/x',
      'https://10.0.0.1/x',
      'https://[::1]/x',
      'https://169.254.169.254/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://0x7f.1/x',
    ]) {
      expect(providerUrlProblem(local, policy(false)), local).toMatch(/public host/);
    }
    expect(providerUrlProblem('https://user:pw@login.example.com/', policy(false))).toMatch(/credentials/);
    expect(providerUrlProblem('http://127.0.0.1:9999/token', policy(true))).toBeUndefined();
    expect(providerUrlProblem('ftp://127.0.0.1/token', policy(true))).toMatch(/http/);
  });
});

describe('INTEGRATIONS_FILE', () => {
  const app = testApp();
  it('upserts integrations by slug with ${ENV} interpolation, from YAML', async () => {
    const slug = uniqueSlug('file');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-')), 'integrations.yaml');
    const write = (name: string) =>
      fs.writeFileSync(
        file,
        `integrations:\n  - slug: ${slug}\n    name: ${name}\n    provider: custom\n    clientId: file-client\n    clientSecret: \${FILE_SECRET}\n    authorizationUrl: https://auth.file.example/authorize\n    tokenUrl: https://auth.file.example/token\n`,
      );
    write('First');
    expect(await loadIntegrationsFile(app.services.integrations, file, { FILE_SECRET: 'from-env-1' })).toEqual([slug]);
    write('Second');
    await loadIntegrationsFile(app.services.integrations, file, { FILE_SECRET: 'from-env-2' });
    const rows = await prisma.integration.findMany({ where: { slug } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe('Second');
    const { revealClientSecret } = await import('../src/domain/integrations.js');
    expect(revealClientSecret(keyring, rows[0]!)).toBe('from-env-2');
  });

  it('refuses a file that names an unset variable or an invalid integration, with the place', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-')), 'integrations.json');
    fs.writeFileSync(file, JSON.stringify([{ slug: uniqueSlug(), provider: 'custom', clientSecret: '${NOT_SET_ANYWHERE}' }]));
    await expect(loadIntegrationsFile(app.services.integrations, file, {})).rejects.toThrow(/integrations\[0\]\.clientSecret uses \$\{NOT_SET_ANYWHERE\}/);
    fs.writeFileSync(file, JSON.stringify([{ slug: 'Bad Slug', provider: 'custom' }]));
    await expect(loadIntegrationsFile(app.services.integrations, file, {})).rejects.toThrow(/integrations\[0\].*slug/);
  });
});
