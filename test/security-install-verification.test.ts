// Security (issue 22, attack 5), install verification: GitHub's redirect to the Setup URL carries an
// installation_id anyone can write. The setup callback now needs the admin's browser (the flow's
// binding cookie, set by the begin link), refuses a callback with no matching flow, and asks GitHub
// with the app's JWT (GET /app/installations/{id}) whether the installation exists, belongs to this
// app and is not suspended, before any installation token is minted or anything stored.
import { generateKeyPairSync } from 'node:crypto';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { openBeginLink } from './helpers/authorization-server.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, signToken, startTestServer } from './helpers/server.js';
import { startUpstream } from './helpers/upstream.js';
import { prisma } from './helpers/database.js';

const APP_ID = '424242';

describe('security: install verification', async () => {
  const server = await startTestServer();
  const github = await startUpstream();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const seen = { lookups: [] as string[], minted: [] as string[] };
  /** What this fake GitHub knows: installation id → its app and state. */
  const installations: Record<string, { app_id: number; suspended_at?: string }> = {
    '5001': { app_id: Number(APP_ID) },
    '5002': { app_id: Number(APP_ID) },
    '5003': { app_id: Number(APP_ID), suspended_at: '2026-01-01T00:00:00Z' },
    // Answered for another app (a base URL pointing at the wrong GitHub, a proxy): never trusted.
    '5004': { app_id: 7 },
  };
  const appJwtValid = async (authorization: string | undefined) => {
    try {
      await jwtVerify(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '', publicKey, { algorithms: ['RS256'], issuer: APP_ID });
      return true;
    } catch {
      return false;
    }
  };
  for (const id of ['5001', '5002', '5003', '5004', '999001']) {
    github.routes.set(`/api/v3/app/installations/${id}`, async (req, res) => {
      if (!(await appJwtValid(req.headers.authorization))) return void res.writeHead(401).end('{"message":"Bad credentials"}');
      seen.lookups.push(id);
      const installation = installations[id];
      // GitHub answers 404 for installations of other apps, and for unknown ones.
      if (!installation) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: Number(id), account: { login: `org-${id}` }, ...installation }));
    });
    // Minting answers for any id here: what GitHub itself would refuse must be refused before this.
    github.routes.set(`/api/v3/app/installations/${id}/access_tokens`, async (req, res) => {
      if (!(await appJwtValid(req.headers.authorization))) return void res.writeHead(401).end('{"message":"Bad credentials"}');
      seen.minted.push(id);
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: `ghs_${id}`, expires_at: new Date(Date.now() + 3600_000).toISOString() }));
    });
  }
  const slug = uniqueSlug('gh-install');
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
    {
      input: {
        slug,
        provider: 'github-app',
        appId: APP_ID,
        privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
        apiBaseUrl: `${github.url}/api/v3`,
        authorizationUrl: `${github.url}/apps/switchboard/installations/new`,
        isShared: true,
      },
    },
    adminHeaders,
  );
  expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
  const admin = { authorization: `Bearer ${await signToken({ sub: 'install-admin', switchboard_admin: true })}` };

  /** The admin starts an install in their browser: the begin link binds it and leads to the install page. */
  async function startInstall(connectionName: string) {
    const started = await graphql(
      server,
      `
        mutation ($input: StartConnectInput!) {
          startConnect(input: $input) {
            __typename
            ... on StartConnectPayload {
              authorizeUrl
              state
            }
          }
        }
      `,
      { input: { integration: slug, connectionName } },
      admin,
    );
    const { authorizeUrl, state } = started.data.startConnect;
    const { providerUrl, cookie } = await openBeginLink(authorizeUrl);
    expect(providerUrl.href).toBe(`${github.url}/apps/switchboard/installations/new?state=${state}`);
    return { state, cookie };
  }
  const setup = (query: string, cookie?: string) => fetch(`${server.url}/oauth2/callback?${query}`, { headers: cookie ? { cookie } : {} });
  const storedNamed = (name: string) => prisma.connection.count({ where: { name, integration: { slug } } });

  it('connects an installation GitHub confirms for this app, asked with the app JWT before a token is minted', async () => {
    const { state, cookie } = await startInstall('confirmed');
    const response = await setup(`installation_id=5001&setup_action=install&state=${state}`, cookie);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"connect":"success"');
    expect(seen.lookups).toContain('5001');
    expect(seen.minted).toContain('5001');
    expect(await storedNamed('confirmed')).toBe(1);
  });

  it("refuses a setup callback sent without the admin's browser (the installation id chosen by whoever holds the state)", async () => {
    const { state } = await startInstall('hijacked');
    const response = await setup(`installation_id=999001&setup_action=install&state=${state}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('"error":"browser_mismatch"');
    expect(seen.lookups).not.toContain('999001');
    expect(seen.minted).not.toContain('999001');
    expect(await storedNamed('hijacked')).toBe(0);
  });

  it('refuses an installation GitHub does not confirm for this app: unknown, of another app, or suspended; nothing minted or stored', async () => {
    for (const [id, name] of [
      ['999001', 'unknown-installation'],
      ['5004', 'other-app'],
      ['5003', 'suspended'],
    ] as const) {
      const { state, cookie } = await startInstall(name);
      const response = await setup(`installation_id=${id}&setup_action=install&state=${state}`, cookie);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('"error":"installation_unconfirmed"');
      expect(seen.minted).not.toContain(id);
      expect(await storedNamed(name)).toBe(0);
    }
  });

  it('refuses a setup callback with no matching flow: no state (installed from GitHub directly) or an unknown one', async () => {
    const before = seen.lookups.length;
    for (const query of ['installation_id=5002&setup_action=install', `installation_id=5002&setup_action=install&state=${'x'.repeat(43)}`]) {
      const response = await setup(query);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('"connect":"error"');
    }
    expect(seen.lookups.length).toBe(before);
    expect(seen.minted).not.toContain('5002');
  });
});
