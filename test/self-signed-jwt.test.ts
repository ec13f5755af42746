// Self-signed JWTs (issue 27): entries whose API takes a JWT the server signs itself (Apple's
// developer tokens ES256, Ghost's Admin API HS256). A fake API on 127.0.0.1 verifies each token as
// the provider documents it: the signature with the public key (or the shared secret), kid, the
// claims, and a lifetime within the provider's limit. Renewal goes through the token lifecycle.
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createSecretKey } from 'node:crypto';
import { jwtVerify, type JWTPayload, type JWTHeaderParameters } from 'jose';
import { describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { providerTemplate } from '../src/catalog/index.js';
import { runRefreshSweep } from '../src/tokens/refresh-sweep.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';
import { credentialsOf, prisma } from './helpers/database.js';

const CREATE_CONNECTION = /* GraphQL */ `
  mutation ($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      __typename
      ... on CreateConnectionPayload {
        connection {
          id
          status
          tokenExpiresAt
          metadata
        }
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        fieldErrors {
          field
          message
        }
      }
      ... on ProviderError {
        providerError
        providerStatus
      }
    }
  }
`;

const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        data
      }
      ... on Error {
        message
      }
    }
  }
`;

function ecKeys(): { pem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

function runSweep(app: App, lookaheadSeconds: number) {
  return runRefreshSweep(
    { prisma, refresher: app.services.refresher, logger: app.logger },
    { lookaheadSeconds, concurrency: app.config.tokens.concurrency, batchSize: app.config.tokens.batchSize },
  );
}

describe('SELF_SIGNED_JWT', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const apple = ecKeys();
  const seen: Array<{ header: JWTHeaderParameters; claims: JWTPayload; scheme: string }> = [];

  /** The fake verifies as the provider does: scheme, signature, kid, claims, lifetime; 401 otherwise. */
  const verifyingRoute =
    (options: { scheme: string; key: KeyObject; kid: string; algorithms: string[]; maxLifetime: number; claims: Record<string, unknown> }) =>
    async (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const [scheme, token] = (req.headers.authorization ?? '').split(' ');
      try {
        if (scheme !== options.scheme || !token) throw new Error('scheme');
        const { payload, protectedHeader } = await jwtVerify(token, options.key, { algorithms: options.algorithms });
        if (protectedHeader.kid !== options.kid) throw new Error('kid');
        for (const [name, value] of Object.entries(options.claims)) if (payload[name] !== value) throw new Error(name);
        if (payload.exp! - payload.iat! > options.maxLifetime || payload.exp! - payload.iat! <= 0) throw new Error('lifetime');
        seen.push({ header: protectedHeader, claims: payload, scheme });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'app-1' }] }));
      } catch (error) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ status: '401', code: 'NOT_AUTHORIZED', detail: (error as Error).message }] }));
      }
    };
  upstream.routes.set(
    '/asc/v1/apps',
    verifyingRoute({
      scheme: 'Bearer',
      key: apple.publicKey,
      kid: 'KEY1234567',
      algorithms: ['ES256'],
      maxLifetime: 1200,
      claims: { iss: 'issuer-uuid-1', aud: 'appstoreconnect-v1' },
    }),
  );
  const ghostId = '6748592f4b9b7700010f6564';
  const ghostSecret = randomBytes(32).toString('hex');
  upstream.routes.set(
    '/ghost/api/admin/posts/',
    verifyingRoute({
      scheme: 'Ghost',
      key: createSecretKey(Buffer.from(ghostSecret, 'hex')),
      kid: ghostId,
      algorithms: ['HS256'],
      maxLifetime: 300,
      claims: { aud: '/admin/' },
    }),
  );

  const createIntegration = async (provider: string, apiBaseUrl: string) => {
    const slug = uniqueSlug('jwt');
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { slug, provider, apiBaseUrl, isShared: true } },
      adminHeaders,
    );
    expect(created.data.createIntegration.__typename, JSON.stringify(created.data)).toBe('CreateIntegrationPayload');
    return slug;
  };
  const appStoreConnect = await createIntegration('app-store-connect', `${upstream.url}/asc`);
  const connect = async (input: Record<string, unknown>) => (await graphql(server, CREATE_CONNECTION, { input }, adminHeaders)).data.createConnection;
  const ascInput = (extra: Record<string, unknown> = {}) => ({
    integration: appStoreConnect,
    privateKey: apple.pem,
    keyId: 'KEY1234567',
    metadata: { connectionConfig: { issuerId: 'issuer-uuid-1' } },
    ...extra,
  });

  it('the catalog has at least five self-signed JWT entries, each with its algorithm, lifetime and API', () => {
    const keys = ['app-store-connect', 'app-store-server', 'apple-music', 'weatherkit', 'ghost-admin'];
    for (const key of keys)
      expect(providerTemplate(key), key).toMatchObject({ authType: 'SELF_SIGNED_JWT', selfSignedJwt: { lifetimeSeconds: expect.any(Number) } });
    expect(providerTemplate('app-store-connect')!.selfSignedJwt).toMatchObject({
      algorithm: 'ES256',
      lifetimeSeconds: 1200,
      claims: { aud: 'appstoreconnect-v1' },
    });
  });

  it('App Store Connect: an ES256 token with kid, iss and aud, checked by the API before the connection is stored, then carried by proxied calls', async () => {
    const before = seen.length;
    const created = await connect(ascInput());
    expect(created).toMatchObject({ __typename: 'CreateConnectionPayload', connection: { status: 'HEALTHY', metadata: { keyId: 'KEY1234567' } } });
    // The credential check ran with the signed token.
    expect(seen.length).toBe(before + 1);
    expect(seen.at(-1)!.claims.exp! - seen.at(-1)!.claims.iat!).toBe(1200);
    expect(new Date(created.connection.tokenExpiresAt).getTime()).toBeGreaterThan(Date.now() + 1100_000);
    const called = await graphql(server, PROXY, { input: { integration: appStoreConnect, url: 'v1/apps' } }, adminHeaders);
    expect(called.data.proxyRequest).toMatchObject({ status: 200, data: { data: [{ id: 'app-1' }] } });
    expect(seen.length).toBe(before + 2);
    // The key is sealed with the credentials: never in metadata, never in clear in the row.
    const row = await prisma.connection.findFirstOrThrow({ where: { integration: { slug: appStoreConnect }, name: 'default' } });
    expect(JSON.stringify(row)).not.toContain(apple.pem.split('\n')[1]);
    expect(credentialsOf(row)!.privateKey).toBe(apple.pem.trim());
  });

  it('a key the API does not know is refused at creation (ProviderError) and nothing is stored', async () => {
    const stranger = ecKeys();
    const count = await prisma.connection.count();
    const refused = await connect(ascInput({ privateKey: stranger.pem, connectionName: 'stranger' }));
    expect(refused).toMatchObject({ __typename: 'ProviderError', providerError: 'credentials_rejected', providerStatus: 401 });
    expect(await prisma.connection.count()).toBe(count);
  });

  it('a key of the wrong kind, or no key id, is a ValidationError naming the field', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsa = await connect(ascInput({ privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), connectionName: 'rsa' }));
    expect(rsa.__typename).toBe('ValidationError');
    expect(rsa.fieldErrors).toEqual([expect.objectContaining({ field: 'privateKey', message: expect.stringContaining('ES256') })]);
    const noKeyId = await connect(ascInput({ keyId: null, connectionName: 'no-kid' }));
    expect(noKeyId.fieldErrors).toEqual([expect.objectContaining({ field: 'keyId' })]);
    const noIssuer = await connect(ascInput({ metadata: {}, connectionName: 'no-iss' }));
    expect(noIssuer.fieldErrors).toEqual([expect.objectContaining({ field: 'metadata.connectionConfig.issuerId' })]);
  });

  it('a new token is signed before the last one expires, through the refresh sweep', async () => {
    const created = await connect({ ...ascInput(), connectionName: 'renewed' });
    const id = (await prisma.connection.findFirstOrThrow({ where: { integration: { slug: appStoreConnect }, name: 'renewed' } })).id;
    const first = credentialsOf(await prisma.connection.findUniqueOrThrow({ where: { id } }))!;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runSweep(server, 1300);
    const second = credentialsOf(await prisma.connection.findUniqueOrThrow({ where: { id } }))!;
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(new Date(second.expiresAt!).getTime()).toBeGreaterThan(new Date(first.expiresAt!).getTime());
    expect(created.connection.status).toBe('HEALTHY');
  });

  it('Ghost: "id:secret" signs an HS256 token with kid and aud /admin/, sent as "Ghost <token>", valid at most five minutes', async () => {
    const ghost = await createIntegration('ghost-admin', `${upstream.url}/ghost/api/admin`);
    const created = await connect({
      integration: ghost,
      privateKey: `${ghostId}:${ghostSecret}`,
      metadata: { connectionConfig: { adminDomain: 'example.ghost.io' } },
    });
    expect(created).toMatchObject({ __typename: 'CreateConnectionPayload', connection: { metadata: { keyId: ghostId } } });
    const called = await graphql(server, PROXY, { input: { integration: ghost, url: 'posts/' } }, adminHeaders);
    expect(called.data.proxyRequest).toMatchObject({ status: 200 });
    expect(seen.at(-1)).toMatchObject({ scheme: 'Ghost', header: { alg: 'HS256', kid: ghostId }, claims: { aud: '/admin/' } });
    const notHex = await connect({
      integration: ghost,
      connectionName: 'bad',
      privateKey: `${ghostId}:not-hex`,
      metadata: { connectionConfig: { adminDomain: 'example.ghost.io' } },
    });
    expect(notHex.fieldErrors).toEqual([expect.objectContaining({ field: 'privateKey' })]);
  });
});
