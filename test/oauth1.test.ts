// OAuth 1.0a (issue 17): the signature against RFC 5849's examples, and the three-legged flow and
// signed proxied calls against a fake provider that checks every signature with its own,
// independent implementation of RFC 5849 §3.4.
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { oauth1AuthorizationHeader, oauth1Signature } from '../src/provider/oauth1-signature.js';
import { completeCallback, followToCallback } from './helpers/authorization-server.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';
import { credentialsOf, prisma } from './helpers/database.js';

describe('OAuth 1.0a signatures', () => {
  it('builds the signature base string of RFC 5849 §3.4.1.1 (encoded, repeated and form-body parameters)', () => {
    const { baseString } = oauth1Signature(
      { method: 'POST', url: 'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b', formBody: 'c2&a3=2+q' },
      { consumerKey: '9djdj82h48djs9d2', consumerSecret: 'j49sk3j29djd', tokenSecret: 'dh893hdasih9', signatureMethod: 'HMAC-SHA1' },
      {
        oauth_consumer_key: '9djdj82h48djs9d2',
        oauth_token: 'kkk9d7dh3k39sjv7',
        oauth_signature_method: 'HMAC-SHA1',
        oauth_timestamp: '137131201',
        oauth_nonce: '7d8f3e4a',
      },
    );
    expect(baseString).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
  });

  it("signs RFC 5849 §1.2's protected resource request with HMAC-SHA1", () => {
    const { signature } = oauth1Signature(
      { method: 'GET', url: 'http://photos.example.net/photos?file=vacation.jpg&size=original' },
      {
        consumerKey: 'dpf43f3p2l4k3l03',
        consumerSecret: 'kd94hf93k423kf44',
        token: 'nnch734d00sl2jdk',
        tokenSecret: 'pfkkdhi9sl3r4s00',
        signatureMethod: 'HMAC-SHA1',
      },
      {
        oauth_consumer_key: 'dpf43f3p2l4k3l03',
        oauth_token: 'nnch734d00sl2jdk',
        oauth_signature_method: 'HMAC-SHA1',
        oauth_timestamp: '137131202',
        oauth_nonce: 'chapoH',
      },
    );
    expect(signature).toBe('MdpQcU8iPSUjWoN/UDMsK2sui9I=');
  });

  it("signs RFC 5849 §1.2's credential requests with PLAINTEXT (the encoded secrets), in the header", () => {
    const temporary = oauth1AuthorizationHeader(
      { method: 'POST', url: 'https://photos.example.net/initiate' },
      { consumerKey: 'dpf43f3p2l4k3l03', consumerSecret: 'kd94hf93k423kf44', signatureMethod: 'PLAINTEXT' },
      { oauth_callback: 'http://printer.example.com/ready' },
    );
    expect(temporary).toContain('oauth_signature="kd94hf93k423kf44%26"');
    expect(temporary).toContain('oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready"');
    const token = oauth1AuthorizationHeader(
      { method: 'POST', url: 'https://photos.example.net/token' },
      {
        consumerKey: 'dpf43f3p2l4k3l03',
        consumerSecret: 'kd94hf93k423kf44',
        token: 'hh5s93j4hdidpola',
        tokenSecret: 'hdhd0244k9j7ao03',
        signatureMethod: 'PLAINTEXT',
      },
      { oauth_verifier: 'hfdp7dh39dks9884' },
    );
    expect(token).toContain('oauth_signature="kd94hf93k423kf44%26hdhd0244k9j7ao03"');
    expect(token).toContain('oauth_token="hh5s93j4hdidpola"');
  });
});

// ----------------------------------------------------------------------------- the fake provider

/** RFC 3986 percent-encoding as RFC 5849 §3.6 wants it. */
const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);

function authorizationParameters(header: string | undefined): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const match of (header ?? '').replace(/^OAuth\s+/i, '').matchAll(/([\w]+)="([^"]*)"/g)) parameters[match[1]!] = decodeURIComponent(match[2]!);
  return parameters;
}

/** The provider's own check of a request's signature (RFC 5849 §3.4), written independently of the broker's. */
function verifySignature(req: http.IncomingMessage, body: Buffer, consumerSecret: string, tokenSecret: string): Record<string, string> | undefined {
  const oauth = authorizationParameters(req.headers.authorization);
  const url = new URL(req.url!, `http://${req.headers.host}`);
  const pairs: Array<[string, string]> = Object.entries(oauth).filter(([name]) => name !== 'oauth_signature' && name !== 'realm');
  for (const [name, value] of url.searchParams) pairs.push([name, value]);
  if (/application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? ''))
    for (const [name, value] of new URLSearchParams(body.toString())) pairs.push([name, value]);
  const normalized = pairs
    .map(([name, value]) => [encode(name), encode(value)])
    .sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : x! > y! ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const base = `${req.method}&${encode(`${url.protocol}//${url.host}${url.pathname}`)}&${encode(normalized)}`;
  const key = `${encode(consumerSecret)}&${encode(tokenSecret)}`;
  const hashes: Record<string, string> = { 'HMAC-SHA1': 'sha1', 'HMAC-SHA256': 'sha256' };
  const hash = hashes[oauth.oauth_signature_method ?? ''];
  const expected = oauth.oauth_signature_method === 'PLAINTEXT' ? key : hash ? createHmac(hash, key).update(base).digest('base64') : undefined;
  return expected === oauth.oauth_signature ? oauth : undefined;
}

const CONSUMER = { key: 'consumer-key-1', secret: 'consumer secret & more' };

describe('OAUTH1 three-legged flow and signed calls', async () => {
  const server = await startTestServer();
  const provider = await startUpstream();
  const fake = {
    requestTokens: new Map<string, { secret: string; verifier: string; callback: string }>(),
    accessTokens: new Map<string, string>([['imported-token', 'imported-secret']]),
    nonces: new Set<string>(),
    refuseRequestToken: false,
    seen: [] as Array<{ path: string; method: string; signatureMethod: string | undefined; form: string; realm?: string }>,
    /** The realm of each credentials request (request token, access token), in order. */
    realms: [] as Array<string | undefined>,
  };
  const reply = (res: http.ServerResponse, status: number, text: string, type = 'application/x-www-form-urlencoded') => {
    res.writeHead(status, { 'content-type': type }).end(text);
  };
  provider.routes.set('/oauth/request_token', (req, res, body) => {
    const oauth = verifySignature(req, body, CONSUMER.secret, '');
    if (!oauth || fake.refuseRequestToken || oauth.oauth_consumer_key !== CONSUMER.key) return reply(res, 401, 'oauth_problem=signature_invalid');
    fake.realms.push(oauth.realm);
    const token = `rt-${fake.requestTokens.size + 1}`;
    fake.requestTokens.set(token, { secret: `rts-${token}`, verifier: `verifier-${token}`, callback: oauth.oauth_callback! });
    reply(res, 200, `oauth_token=${token}&oauth_token_secret=rts-${token}&oauth_callback_confirmed=true`);
  });
  // The user approves: the provider sends the browser back with the verifier.
  provider.routes.set('/oauth/authorize', (req, res) => {
    const token = new URL(req.url!, 'http://x').searchParams.get('oauth_token')!;
    const pending = fake.requestTokens.get(token);
    if (!pending) return reply(res, 400, 'unknown token', 'text/plain');
    res.writeHead(302, { location: `${pending.callback}?oauth_token=${token}&oauth_verifier=${pending.verifier}` }).end();
  });
  provider.routes.set('/oauth/access_token', (req, res, body) => {
    const token = authorizationParameters(req.headers.authorization).oauth_token ?? '';
    const pending = fake.requestTokens.get(token);
    const oauth = pending && verifySignature(req, body, CONSUMER.secret, pending.secret);
    if (!pending || !oauth || oauth.oauth_verifier !== pending.verifier) return reply(res, 401, 'oauth_problem=token_rejected');
    fake.realms.push(oauth.realm);
    fake.requestTokens.delete(token);
    const access = `at-${fake.accessTokens.size + 1}`;
    fake.accessTokens.set(access, `ats secret/${access}`);
    reply(res, 200, `oauth_token=${access}&oauth_token_secret=${encodeURIComponent(`ats secret/${access}`)}&user_nsid=u-42&fullname=Flickr%20User`);
  });
  provider.routes.set('/api/1/resource', (req, res, body) => {
    const token = authorizationParameters(req.headers.authorization).oauth_token ?? '';
    const secret = fake.accessTokens.get(token);
    const oauth = secret !== undefined && verifySignature(req, body, CONSUMER.secret, secret);
    if (!oauth || fake.nonces.has(oauth.oauth_nonce!)) return reply(res, 401, JSON.stringify({ error: 'invalid signature' }), 'application/json');
    fake.nonces.add(oauth.oauth_nonce!);
    fake.seen.push({ path: req.url!, method: req.method!, signatureMethod: oauth.oauth_signature_method, form: body.toString(), realm: oauth.realm });
    reply(res, 200, JSON.stringify({ ok: true, token }), 'application/json');
  });

  const createIntegration = async (overrides: Record<string, unknown> = {}) => {
    const slug = uniqueSlug('oauth1');
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on CreateIntegrationPayload {
              integration {
                requestTokenUrl
                authType
              }
            }
            ... on ValidationError {
              fieldErrors {
                field
                message
              }
            }
          }
        }
      `,
      {
        input: {
          slug,
          provider: 'custom',
          authType: 'OAUTH1',
          clientId: CONSUMER.key,
          clientSecret: CONSUMER.secret,
          requestTokenUrl: `${provider.url}/oauth/request_token`,
          authorizationUrl: `${provider.url}/oauth/authorize`,
          tokenUrl: `${provider.url}/oauth/access_token`,
          apiBaseUrl: `${provider.url}/api/1`,
          ...overrides,
        },
      },
      adminHeaders,
    );
    expect(created.data.createIntegration).toMatchObject({ __typename: 'CreateIntegrationPayload', integration: { authType: 'OAUTH1' } });
    return slug;
  };
  const slug = await createIntegration();

  const startConnect = async (integration: string, headers: Record<string, string>, connectionName = 'default') =>
    (
      await graphql(
        server,
        `
          mutation ($input: StartConnectInput!) {
            startConnect(input: $input) {
              __typename
              ... on StartConnectPayload {
                authorizeUrl
              }
              ... on ProviderError {
                message
                providerError
                providerStatus
              }
              ... on Error {
                message
              }
            }
          }
        `,
        { input: { integration, connectionName } },
        headers,
      )
    ).data.startConnect;
  /** The browser: to the provider's authorize page, then back to the broker's callback. */
  const followThrough = async (authorizeUrl: string) => {
    const back = await followToCallback(authorizeUrl, `${server.config.publicUrl}/oauth1/callback`);
    return completeCallback(server, back, { redirect: 'manual' });
  };
  const proxy = (integration: string, headers: Record<string, string>, input: Record<string, unknown>) =>
    graphql(
      server,
      `
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
      `,
      { input: { integration, ...input } },
      headers,
    );

  it('connects through request token, authorization and access token, each request signed and checked by the provider', async () => {
    const headers = await userHeaders('oauth1-user');
    const started = await startConnect(slug, headers);
    expect(started.__typename).toBe('StartConnectPayload');
    // A begin link that binds this browser, keyed by the request token.
    expect(new URL(started.authorizeUrl).searchParams.get('flow')).toMatch(/^rt-/);
    const callback = await followThrough(started.authorizeUrl);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain('"connect":"success"');
    const stored = await prisma.connection.findFirstOrThrow({ where: { ownerId: 'oauth1-user', integration: { slug } } });
    const credentials = credentialsOf(stored)!;
    expect(credentials).toMatchObject({ type: 'OAUTH1', tokenSecret: `ats secret/${credentials.accessToken}`, raw: { user_nsid: 'u-42' } });
    expect(stored.credentialsEnc).not.toContain('ats secret');
    expect(await prisma.pendingAuthorization.count({ where: { integration: { slug } } })).toBe(0);
    await server.activity.flush();
    expect(await prisma.operation.findMany({ where: { connectionId: stored.id }, select: { kind: true, outcome: true, ownerId: true } })).toEqual([
      { kind: 'CONNECT', outcome: 'SUCCESS', ownerId: 'oauth1-user' },
    ]);
  });

  it("a connect session's OAuth 1.0a connection gets its tags, and its name from the access token answer (identity from tokenResponse)", async () => {
    const named = await createIntegration();
    const settings = (await prisma.integration.findUniqueOrThrow({ where: { slug: named } })).settings as object;
    await prisma.integration.update({
      where: { slug: named },
      data: { settings: { ...settings, identity: { from: 'tokenResponse', id: 'user_nsid', displayName: 'fullname' } } },
    });
    const session = await graphql(
      server,
      `
        mutation ($input: CreateConnectSessionInput!) {
          createConnectSession(input: $input) {
            __typename
            ... on CreateConnectSessionPayload {
              token
            }
          }
        }
      `,
      { input: { endUserId: 'oauth1-session-user', integrations: [named], tags: { organizationId: 'org-1a' } } },
      adminHeaders,
    );
    const started = await startConnect(named, { authorization: `Bearer ${session.data.createConnectSession.token}` });
    expect(started.__typename).toBe('StartConnectPayload');
    expect((await followThrough(started.authorizeUrl)).status).toBe(200);
    const stored = await prisma.connection.findFirstOrThrow({ where: { ownerId: 'oauth1-session-user', integration: { slug: named } } });
    expect(stored).toMatchObject({
      tags: { organizationId: 'org-1a' },
      displayName: 'Flickr User',
      displayNameSource: 'provider',
      providerAccountId: 'u-42',
    });
  });

  it('signs proxied calls, the query and a form body included, with a fresh nonce each time', async () => {
    const headers = await userHeaders('oauth1-user');
    const get = await proxy(slug, headers, { url: 'resource?b5=%3D%253D&a3=a&a2=r%20b' });
    expect(get.data.proxyRequest).toMatchObject({ __typename: 'ProxyResponse', status: 200, data: { ok: true } });
    const post = await proxy(slug, headers, {
      method: 'POST',
      url: 'resource',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'status=Hello%20Ladies+%2B+Gentlemen&a3=2+q',
    });
    expect(post.data.proxyRequest).toMatchObject({ __typename: 'ProxyResponse', status: 200 });
    expect(fake.seen.at(-1)).toMatchObject({ method: 'POST', signatureMethod: 'HMAC-SHA1', form: 'status=Hello%20Ladies+%2B+Gentlemen&a3=2+q' });
  });

  it('PLAINTEXT integrations sign with the encoded secrets; imported tokens (accessToken, tokenSecret) work too', async () => {
    const plaintext = await createIntegration({ signatureMethod: 'PLAINTEXT', isShared: true });
    const created = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
            ... on CreateConnectionPayload {
              connection {
                id
                status
              }
            }
          }
        }
      `,
      { input: { integration: plaintext, accessToken: 'imported-token', tokenSecret: 'imported-secret' } },
      adminHeaders,
    );
    expect(created.data.createConnection).toMatchObject({ __typename: 'CreateConnectionPayload', connection: { status: 'HEALTHY' } });
    const called = await proxy(plaintext, adminHeaders, { url: 'resource' });
    expect(called.data.proxyRequest).toMatchObject({ status: 200, data: { token: 'imported-token' } });
    expect(fake.seen.at(-1)!.signatureMethod).toBe('PLAINTEXT');
  });

  it('HMAC-SHA256 integrations (NetSuite TBA) sign every request with SHA-256 and send the account as the realm', async () => {
    // The catalog entry, its endpoints pointed at the fake: the signature method and realm template come from the catalog.
    const netsuite = await createIntegration({ provider: 'netsuite-tba', isShared: true });
    const connectionConfig = { accountId: '1234567-sb1', realm: '1234567_SB1' };
    const realmsBefore = fake.realms.length;
    const started = await graphql(
      server,
      `
        mutation ($input: StartConnectInput!) {
          startConnect(input: $input) {
            __typename
            ... on StartConnectPayload {
              authorizeUrl
            }
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { integration: netsuite, connectionConfig } },
      adminHeaders,
    );
    expect(started.data.startConnect).toMatchObject({ __typename: 'StartConnectPayload' });
    await followThrough(started.data.startConnect.authorizeUrl);
    // The request token (signed at startConnect) and the access token requests both carried the realm.
    expect(fake.realms.slice(realmsBefore)).toEqual(['1234567_SB1', '1234567_SB1']);
    const called = await proxy(netsuite, adminHeaders, { url: 'resource' });
    expect(called.data.proxyRequest).toMatchObject({ status: 200 });
    expect(fake.seen.at(-1)).toMatchObject({ signatureMethod: 'HMAC-SHA256', realm: '1234567_SB1' });

    // Tokens made in NetSuite's UI, imported: signed the same way.
    const importing = await createIntegration({ provider: 'netsuite-tba', isShared: true });
    const imported = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
          }
        }
      `,
      { input: { integration: importing, accessToken: 'imported-token', tokenSecret: 'imported-secret', metadata: { connectionConfig } } },
      adminHeaders,
    );
    expect(imported.data.createConnection).toMatchObject({ __typename: 'CreateConnectionPayload' });
    const again = await proxy(importing, adminHeaders, { url: 'resource' });
    expect(again.data.proxyRequest).toMatchObject({ status: 200, data: { token: 'imported-token' } });
    expect(fake.seen.at(-1)).toMatchObject({ signatureMethod: 'HMAC-SHA256', realm: '1234567_SB1' });
  });

  it('a callback with an unknown or already used request token is refused, and no access token is asked for', async () => {
    const headers = await userHeaders('oauth1-replay');
    const started = await startConnect(slug, headers, 'replay');
    const back = await followToCallback(started.authorizeUrl, `${server.config.publicUrl}/oauth1/callback`);
    expect((await completeCallback(server, back)).status).toBe(200);
    const accessRequests = provider.requests.filter((request) => request.url === '/oauth/access_token').length;
    const replay = await completeCallback(server, back);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('"connect":"error"');
    expect((await fetch(`${server.url}/oauth1/callback?oauth_token=forged&oauth_verifier=x`)).status).toBe(400);
    expect(provider.requests.filter((request) => request.url === '/oauth/access_token').length).toBe(accessRequests);
  });

  it('a provider that refuses the request token makes startConnect a ProviderError, with nothing pending', async () => {
    const before = await prisma.pendingAuthorization.count();
    fake.refuseRequestToken = true;
    try {
      const started = await startConnect(slug, await userHeaders('oauth1-refused'), 'refused');
      expect(started).toMatchObject({ __typename: 'ProviderError', providerError: 'signature_invalid', providerStatus: 401 });
    } finally {
      fake.refuseRequestToken = false;
    }
    expect(await prisma.pendingAuthorization.count()).toBe(before);
  });

  it('refuses an OAuth 1.0a integration without its request token URL, consumer key or secret', async () => {
    const result = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on ValidationError {
              fieldErrors {
                field
              }
            }
          }
        }
      `,
      { input: { slug: uniqueSlug('oauth1'), provider: 'custom', authType: 'OAUTH1', authorizationUrl: `${provider.url}/a`, tokenUrl: `${provider.url}/t` } },
      adminHeaders,
    );
    expect(result.data.createIntegration.fieldErrors.map((error: { field: string }) => error.field).sort()).toEqual([
      'clientId',
      'clientSecret',
      'requestTokenUrl',
    ]);
  });
});
