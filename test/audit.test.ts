// The audit trail: every audited action, done through the API by a named key or a user, appears in
// auditEvents with its actor, action, target and changed fields; no secret value reaches any row;
// a change that fails leaves no row; the client address honours TRUSTED_PROXIES; old rows expire.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { deleteExpiredOperations } from '../src/activity/retention.js';
import { newIdAt } from '../src/kernel/ids.js';
import { prisma } from './helpers/database.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';

const UNION = '{ __typename ... on Error { message } }';
const EVENTS = /* GraphQL */ `
  query ($action: String, $actor: String, $targetId: ID, $since: DateTime) {
    auditEvents(first: 100, action: $action, actor: $actor, targetId: $targetId, since: $since) {
      totalCount
      edges {
        node {
          id
          at
          actor
          actorKind
          action
          targetId
          changes
          ipAddress
        }
      }
    }
  }
`;

async function createKey(server: { url: string }, name: string, scopes: string[]): Promise<{ secret: string; id: string }> {
  const response = await graphql(
    server,
    'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { ... on CreateApiKeyPayload { secret apiKey { id } } } }',
    { input: { name, scopes } },
    adminHeaders,
  );
  return { secret: response.data.createApiKey.secret, id: response.data.createApiKey.apiKey.id };
}

describe('the audit trail', () => {
  it('records every audited action with its actor, and no secret value in any row', async () => {
    const server = await startTestServer();
    const since = new Date(Date.now() - 1000).toISOString();
    const ops = await createKey(server, `ops-${Date.now()}`, ['ADMIN']);
    const auditor = await createKey(server, `auditor-${Date.now()}`, ['AUDIT_READ']);
    const as = { 'x-api-key': ops.secret };
    const secrets: string[] = [ops.secret, auditor.secret];
    const slug = `audited-${Date.now()}`;

    // Integrations: created (with a client secret), updated (secret changed, name changed), deleted.
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on CreateIntegrationPayload {
              integration {
                id
              }
            }
          }
        }
      `,
      { input: { slug, provider: 'custom', authType: 'API_KEY', clientSecret: 'first-client-secret-value' } },
      as,
    );
    const integrationId = created.data.createIntegration.integration.id as string;
    secrets.push('first-client-secret-value', 'second-client-secret-value');
    await graphql(
      server,
      `mutation { updateIntegration(input: { integration: "${slug}", name: "Renamed", clientSecret: "second-client-secret-value" }) ${UNION} }`,
      {},
      as,
    );

    // A connection with credentials: imported, read (credentials), updated, disconnected.
    const imported = await graphql(
      server,
      `mutation { createConnection(input: { integration: "${slug}", apiKey: "the-users-api-key-value", skipVerification: true }) { __typename ... on CreateConnectionPayload { connection { id } } ... on Error { message } } }`,
      {},
      as,
    );
    secrets.push('the-users-api-key-value');
    const connectionId = imported.data.createConnection.connection.id as string;
    const read = await graphql(server, `{ node(id: "${connectionId}") { ... on Connection { credentials { apiKey } } } }`, {}, as);
    expect(read.data.node.credentials.apiKey).toBe('the-users-api-key-value');
    await graphql(
      server,
      `mutation { updateConnection(input: { connectionId: "${connectionId}", tags: { org: "42" }, displayName: "Acme" }) ${UNION} }`,
      {},
      as,
    );
    await graphql(server, `mutation { disconnect(input: { connectionId: "${connectionId}" }) ${UNION} }`, {}, as);

    // Webhook endpoints: created, updated, secret rotated, deleted.
    const endpoint = await graphql(
      server,
      `
        mutation {
          createWebhookEndpoint(input: { url: "https://hooks.example.com/in" }) {
            __typename
            ... on CreateWebhookEndpointPayload {
              secret
              webhookEndpoint {
                id
              }
            }
          }
        }
      `,
      {},
      as,
    );
    const endpointId = endpoint.data.createWebhookEndpoint.webhookEndpoint.id as string;
    secrets.push(endpoint.data.createWebhookEndpoint.secret);
    await graphql(server, `mutation { updateWebhookEndpoint(input: { id: "${endpointId}", description: "billing" }) ${UNION} }`, {}, as);
    const rotated = await graphql(
      server,
      `mutation { rotateWebhookSecret(input: { id: "${endpointId}" }) { ... on RotateWebhookSecretPayload { secret } } }`,
      {},
      as,
    );
    secrets.push(rotated.data.rotateWebhookSecret.secret);
    await graphql(server, `mutation { deleteWebhookEndpoint(input: { id: "${endpointId}" }) ${UNION} }`, {}, as);

    // A connect session (by a user), an API key revoked, the integration deleted.
    const session = await graphql(
      server,
      `mutation { createConnectSession(input: { integrations: ["${slug}"] }) { ... on CreateConnectSessionPayload { token } } }`,
      {},
      await userHeaders('maria'),
    );
    secrets.push(session.data.createConnectSession.token);
    const spare = await createKey(server, `spare-${Date.now()}`, ['PROXY']);
    secrets.push(spare.secret);
    await graphql(server, `mutation { revokeApiKey(input: { id: "${spare.id}" }) ${UNION} }`, {}, as);
    await graphql(server, `mutation { deleteIntegration(input: { integration: "${slug}" }) ${UNION} }`, {}, as);

    const events = (await graphql(server, EVENTS, { since }, { 'x-api-key': auditor.secret })).data.auditEvents.edges.map(
      (edge: { node: Record<string, any> }) => edge.node,
    );
    const find = (action: string, targetId?: string) =>
      events.find((event: Record<string, any>) => event.action === action && (!targetId || event.targetId === targetId));
    const byOps = { actor: expect.stringMatching(/^ops-/), actorKind: 'API_KEY' };
    expect(find('integration.created', integrationId)).toMatchObject({
      ...byOps,
      changes: { clientSecret: { old: 'changed', new: 'changed' }, slug: { old: null, new: slug } },
    });
    expect(find('integration.updated', integrationId)).toMatchObject({
      ...byOps,
      changes: { name: { old: slug, new: 'Renamed' }, clientSecret: { old: 'changed', new: 'changed' } },
    });
    expect(find('integration.deleted', integrationId)).toMatchObject(byOps);
    expect(find('connection.credentials_read', connectionId)).toMatchObject(byOps);
    expect(find('connection.updated', connectionId)).toMatchObject({ ...byOps, changes: { displayName: { old: null, new: 'Acme' } } });
    expect(find('connection.disconnected', connectionId)).toMatchObject(byOps);
    expect(find('webhook_endpoint.created', endpointId)).toMatchObject(byOps);
    expect(find('webhook_endpoint.updated', endpointId)).toMatchObject({ ...byOps, changes: { description: { old: null, new: 'billing' } } });
    expect(find('webhook_endpoint.secret_rotated', endpointId)).toMatchObject({ ...byOps, changes: { secret: { old: 'changed', new: 'changed' } } });
    expect(find('webhook_endpoint.deleted', endpointId)).toMatchObject(byOps);
    expect(find('connect_session.created')).toMatchObject({ actor: 'maria', actorKind: 'USER' });
    expect(find('api_key.created', spare.id)).toMatchObject({ actor: 'API_KEYS', actorKind: 'API_KEY' });
    expect(find('api_key.revoked', spare.id)).toMatchObject(byOps);

    // Newest first; filters by action, actor and target.
    const rawIds = events.map((event: { id: string }) => Buffer.from(event.id, 'base64').toString());
    expect(rawIds).toEqual([...rawIds].sort().reverse());
    const onlyRotations = await graphql(server, EVENTS, { action: 'webhook_endpoint.secret_rotated', targetId: endpointId }, { 'x-api-key': auditor.secret });
    expect(onlyRotations.data.auditEvents.totalCount).toBe(1);
    const byMaria = await graphql(server, EVENTS, { actor: 'maria', since }, { 'x-api-key': auditor.secret });
    expect(byMaria.data.auditEvents.edges.map((edge: { node: { action: string } }) => edge.node.action)).toEqual(['connect_session.created']);

    // No secret value in any row, in any column.
    const rows = JSON.stringify(await prisma.auditEvent.findMany());
    for (const secret of secrets) expect(rows, 'an audit row holds a secret').not.toContain(secret);
  });

  it('writes no row for a change that fails, and lets only AUDIT_READ (with an admin) read the trail', async () => {
    const server = await startTestServer();
    const slug = `twice-${Date.now()}`;
    const create = `mutation { createIntegration(input: { slug: "${slug}", provider: "custom", authType: API_KEY }) ${UNION} }`;
    expect((await graphql(server, create, {}, adminHeaders)).data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    expect((await graphql(server, create, {}, adminHeaders)).data.createIntegration.__typename).toBe('ValidationError');
    const integration = await prisma.integration.findUniqueOrThrow({ where: { slug } });
    expect(await prisma.auditEvent.count({ where: { action: 'integration.created', targetId: encodeGlobalID('Integration', integration.id) } })).toBe(1);

    const proxyKey = await createKey(server, `proxy-${Date.now()}`, ['PROXY']);
    const refused = await graphql(server, EVENTS, {}, { 'x-api-key': proxyKey.secret });
    expect(refused.errors?.[0]).toMatchObject({ message: 'This needs the AUDIT_READ scope.', extensions: { code: 'FORBIDDEN' } });
    const user = await graphql(server, EVENTS, {}, await userHeaders('maria'));
    expect(user.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('takes the client address from X-Forwarded-For only when the peer is a trusted proxy', async () => {
    const direct = await startTestServer();
    const proxied = await startTestServer({ server: { trustedProxies: ['127.0.0.1', '::1', '10.0.0.0/8'] } });
    const make = (name: string) => `mutation { createApiKey(input: { name: "${name}", scopes: [PROXY] }) ${UNION} }`;
    const forwarded = { ...adminHeaders, 'x-forwarded-for': '203.0.113.7, 10.1.2.3' };
    const nameA = `direct-${Date.now()}`;
    const nameB = `proxied-${Date.now()}`;
    await graphql(direct, make(nameA), {}, forwarded);
    await graphql(proxied, make(nameB), {}, forwarded);
    const addressOf = async (name: string) =>
      (await prisma.auditEvent.findMany({ where: { action: 'api_key.created' } })).find((row) => JSON.stringify(row.changes).includes(name))!.ipAddress;
    expect(await addressOf(nameA)).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    expect(await addressOf(nameB)).toBe('203.0.113.7');
  });

  it('deletes audit events older than AUDIT_RETENTION_DAYS, and keeps newer ones', async () => {
    const old = newIdAt(Date.now() - 400 * 86_400_000);
    const recent = newIdAt(Date.now() - 10 * 86_400_000);
    await prisma.auditEvent.createMany({
      data: [
        { id: old, actor: 'x', actorKind: 'SYSTEM', action: 'test.old', at: new Date(Date.now() - 400 * 86_400_000) },
        { id: recent, actor: 'x', actorKind: 'SYSTEM', action: 'test.recent', at: new Date(Date.now() - 10 * 86_400_000) },
      ],
    });
    expect(await deleteExpiredOperations(prisma, { retentionDays: 365, table: 'AuditEvent' })).toBeGreaterThanOrEqual(1);
    expect(await prisma.auditEvent.findUnique({ where: { id: old } })).toBeNull();
    expect(await prisma.auditEvent.findUnique({ where: { id: recent } })).not.toBeNull();
  });
});
