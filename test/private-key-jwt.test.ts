// private_key_jwt token endpoint authentication (issue 27): client credentials entries whose token
// requests carry a client assertion signed with the integration's private key instead of a secret. A
// fake token endpoint on 127.0.0.1 checks each assertion as the provider documents it: signature with
// the registered public key, algorithm, key id header, iss = sub = client id, aud, a short lifetime.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { providerTemplate } from '../src/catalog/index.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';

const CREATE_INTEGRATION = /* GraphQL */ `
  mutation ($input: CreateIntegrationInput!) {
    createIntegration(input: $input) {
      __typename
      ... on Error {
        message
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
const CREATE_CONNECTION = /* GraphQL */ `
  mutation ($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      __typename
      ... on CreateConnectionPayload {
        connection {
          status
        }
      }
      ... on ProviderError {
        providerError
        providerStatus
      }
      ... on Error {
        message
      }
    }
  }
`;

describe('private_key_jwt', async () => {
  const server = await startTestServer();
  const upstream = await startUpstream();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const seen: Array<{ header: Record<string, unknown>; claims: Record<string, unknown>; form: URLSearchParams }> = [];
  const expected = { audience: '', algorithms: ['RS256'], keyHeader: 'kid', keyId: '', publicKey: rsa.publicKey as KeyObject };

  upstream.routes.set('/oauth2/token', async (_req, res, body) => {
    const form = new URLSearchParams(body.toString());
    const reply = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    if (form.has('client_secret')) return reply(400, { error: 'invalid_request', error_description: 'a secret was sent' });
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return reply(401, { error: 'invalid_client' });
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion') ?? '', expected.publicKey, {
        algorithms: expected.algorithms,
        audience: expected.audience,
        issuer: 'client-123',
        subject: 'client-123',
        maxTokenAge: '5m',
      });
      if (protectedHeader[expected.keyHeader] !== expected.keyId) throw new Error('key id');
      if (!payload.jti || payload.exp! - payload.iat! > 300) throw new Error('jti/lifetime');
      seen.push({ header: protectedHeader as Record<string, unknown>, claims: payload as Record<string, unknown>, form });
    } catch {
      return reply(401, { error: 'invalid_client', error_description: 'client assertion rejected' });
    }
    reply(200, { access_token: `token-${seen.length}`, token_type: 'Bearer', expires_in: 3600 });
  });

  const createIntegration = async (input: Record<string, unknown>) => {
    const slug = uniqueSlug('pkjwt');
    const result = await graphql(server, CREATE_INTEGRATION, { input: { slug, isShared: true, clientId: 'client-123', ...input } }, adminHeaders);
    return { slug, result: result.data.createIntegration };
  };
  const connect = async (integration: string, connectionConfig: Record<string, string>) =>
    (await graphql(server, CREATE_CONNECTION, { input: { integration, metadata: { connectionConfig } } }, adminHeaders)).data.createConnection;

  it('the catalog has at least five private_key_jwt entries, each with a token URL', () => {
    for (const key of ['microsoft-graph-app-certificate', 'okta-service-app', 'auth0-m2m-private-key', 'epic-backend', 'keycloak-service-account']) {
      expect(providerTemplate(key), key).toMatchObject({
        authType: 'OAUTH2_CLIENT_CREDENTIALS',
        tokenEndpointAuthMethod: 'private_key_jwt',
        tokenUrl: expect.any(String),
      });
    }
  });

  it('Microsoft: a PS256 assertion naming the certificate by x5t#S256, for the tenant token endpoint; no client secret is needed or sent', async () => {
    Object.assign(expected, { audience: `${upstream.url}/oauth2/token`, algorithms: ['PS256'], keyHeader: 'x5t#S256', keyId: 'thumbprint-sha256_b64url' });
    const { slug, result } = await createIntegration({
      provider: 'microsoft-graph-app-certificate',
      tokenUrl: `${upstream.url}/oauth2/token`,
      privateKey: rsaPem,
      privateKeyId: 'thumbprint-sha256_b64url',
    });
    expect(result.__typename, JSON.stringify(result)).toBe('CreateIntegrationPayload');
    const created = await connect(slug, { tenant: 'contoso.onmicrosoft.com' });
    expect(created).toMatchObject({ __typename: 'CreateConnectionPayload', connection: { status: 'HEALTHY' } });
    expect(seen.at(-1)!.header).toMatchObject({ alg: 'PS256', 'x5t#S256': 'thumbprint-sha256_b64url' });
    expect(seen.at(-1)!.form.get('client_id')).toBe('client-123');
    expect(seen.at(-1)!.form.get('grant_type')).toBe('client_credentials');
  });

  it('Auth0: the assertion is for the tenant URL with its trailing slash, as Auth0 documents', async () => {
    Object.assign(expected, { audience: 'https://acme.us.auth0.com/', algorithms: ['RS256'], keyHeader: 'kid', keyId: 'auth0-kid' });
    const { slug } = await createIntegration({
      provider: 'auth0-m2m-private-key',
      tokenUrl: `${upstream.url}/oauth2/token`,
      privateKey: rsaPem,
      privateKeyId: 'auth0-kid',
    });
    const created = await connect(slug, { domain: 'acme.us.auth0.com', audience: 'https://acme.us.auth0.com/api/v2/' });
    expect(created).toMatchObject({ __typename: 'CreateConnectionPayload' });
    expect(seen.at(-1)!.form.get('audience')).toBe('https://acme.us.auth0.com/api/v2/');
  });

  it('a key the token endpoint does not know is a ProviderError (invalid_client), and an integration without a key is incomplete', async () => {
    Object.assign(expected, { audience: `${upstream.url}/oauth2/token`, algorithms: ['RS384'], keyHeader: 'kid', keyId: 'epic-kid' });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { slug } = await createIntegration({
      provider: 'epic-backend',
      tokenUrl: `${upstream.url}/oauth2/token`,
      privateKey: other,
      privateKeyId: 'epic-kid',
    });
    const refused = await connect(slug, {});
    expect(refused).toMatchObject({ __typename: 'ProviderError', providerError: 'invalid_client', providerStatus: 401 });
    // The right key, RS384 as Epic wants.
    const good = await createIntegration({ provider: 'epic-backend', tokenUrl: `${upstream.url}/oauth2/token`, privateKey: rsaPem, privateKeyId: 'epic-kid' });
    expect(await connect(good.slug, {})).toMatchObject({ __typename: 'CreateConnectionPayload' });
    expect(seen.at(-1)!.header.alg).toBe('RS384');
    const keyless = await createIntegration({ provider: 'epic-backend', tokenUrl: `${upstream.url}/oauth2/token` });
    expect(keyless.result.__typename).toBe('ValidationError');
    expect(keyless.result.fieldErrors).toEqual([expect.objectContaining({ field: 'privateKey' })]);
  });
});
