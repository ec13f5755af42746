// Issue 22, attack 9: `/metrics` was open in production without METRICS_TOKEN, and `node(id)`
// answered a real webhook endpoint id with FORBIDDEN and a missing one with nothing (an existence
// oracle). Now production serves /metrics only behind the token (else the same 404 as any unknown
// path), and node(id) answers every id the viewer may not see exactly like a missing one.
// Checklist areas: ../shared/security-checklist.md, "HTTP surface" (and "Authorization" for node(id)).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { newId } from '../src/kernel/ids.js';
import { prisma } from './helpers/database.js';
import { makeConnection, makeIntegration } from './helpers/fixtures.js';
import { adminHeaders, startTestServer, userHeaders } from './helpers/server.js';

const PRODUCTION = { NODE_ENV: 'production', API_KEYS: 'k'.repeat(24), ENCRYPTION_KEYS: 'x', PUBLIC_URL: 'https://sb.example.com' };

/** The raw HTTP answer to a query: status, content type and body bytes, for byte-for-byte comparison. */
async function rawGraphql(server: { url: string }, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

const NODE = /* GraphQL */ `
  query ($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on WebhookEndpoint {
        url
      }
      ... on WebhookDelivery {
        status
      }
      ... on Connection {
        name
      }
      ... on Operation {
        kind
      }
    }
  }
`;

describe('security hardening: /metrics needs a token in production (issue 22, attack 9)', () => {
  it('production without METRICS_TOKEN does not serve /metrics; with it, it does; elsewhere it stays open', () => {
    expect(loadConfig(PRODUCTION).metrics).toEqual({ token: undefined, served: false });
    expect(loadConfig({ ...PRODUCTION, METRICS_TOKEN: 'metrics-token-0123456789' }).metrics).toEqual({ token: 'metrics-token-0123456789', served: true });
    expect(loadConfig({ NODE_ENV: 'development' }).metrics.served).toBe(true);
  });

  it('an instance with /metrics off answers it exactly like an unknown path (404), with no metrics in it', async () => {
    const server = await startTestServer({ metrics: { token: undefined, served: false } });
    const metrics = await fetch(`${server.url}/metrics`);
    const unknown = await fetch(`${server.url}/no-such-path`);
    expect(metrics.status).toBe(404);
    const body = await metrics.text();
    expect(body).toBe((await unknown.text()).replace('/no-such-path', '/metrics'));
    expect(body).not.toMatch(/switchboard_|process_cpu/);
  });

  it('with METRICS_TOKEN in production, /metrics wants the bearer token', async () => {
    const server = await startTestServer({ metrics: { token: 'metrics-token-0123456789', served: true } });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const scraped = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(scraped.status).toBe(200);
  });
});

describe('security hardening: node(id) of an id the viewer may not see answers like a missing one (issue 22, attack 9)', async () => {
  const server = await startTestServer();
  const { endpoint } = await server.services.webhookEndpoints.create({ url: 'https://hooks.example.com/attack9' });
  const delivery = await prisma.webhookDelivery.create({
    data: { id: newId(), endpointId: endpoint.id, messageId: `msg_${newId()}`, eventType: 'connection.created', body: '{}', status: 'PENDING' },
  });
  const integration = await makeIntegration(server);
  const bobsConnection = await makeConnection(integration.id, 'bob-attack9');
  const operation = await prisma.operation.create({
    data: {
      id: newId(),
      kind: 'PROXY',
      outcome: 'SUCCESS',
      integrationSlug: integration.slug,
      ownerId: 'bob-attack9',
      connectionId: bobsConnection.id,
      at: new Date(),
    },
  });
  const apiKey = await prisma.apiKey.create({ data: { id: newId(), name: 'attack9', scopes: ['ADMIN'], prefix: 'sbk_attack9', keyHash: newId() } });
  const auditEvent = await prisma.auditEvent.create({ data: { id: newId(), actor: 'attack9', actorKind: 'SYSTEM', action: 'integration.created' } });
  const providerWebhook = await prisma.providerWebhook.create({ data: { id: newId(), integrationId: integration.id, outcome: 'UNMATCHED' } });
  const alice = await userHeaders('alice-attack9');

  it('covers every Node type: each one a user may not see is in the cases below, the rest are visible to every user', async () => {
    const answer = await rawGraphql(server, '{ __type(name: "Node") { possibleTypes { name } } }', {}, adminHeaders);
    const types = JSON.parse(answer.body)
      .data.__type.possibleTypes.map((type: { name: string }) => type.name)
      .sort();
    expect(types).toEqual(['ApiKey', 'AuditEvent', 'Connection', 'Integration', 'Operation', 'ProviderWebhook', 'WebhookDelivery', 'WebhookEndpoint']);
    const visible = await rawGraphql(server, NODE, { id: encodeGlobalID('Integration', integration.id) }, alice);
    expect(JSON.parse(visible.body).data.node).toMatchObject({ __typename: 'Integration' });
  });

  it.each([
    ['WebhookEndpoint', endpoint.id],
    ['WebhookDelivery', delivery.id],
    ['Connection', bobsConnection.id],
    ['Operation', operation.id],
    ['ApiKey', apiKey.id],
    ['AuditEvent', auditEvent.id],
    ['ProviderWebhook', providerWebhook.id],
  ])("a user's node(id) of an existing %s she may not see is byte for byte the answer for a missing one", async (type, id) => {
    const real = await rawGraphql(server, NODE, { id: encodeGlobalID(type, id) }, alice);
    // Same length of id, so that even the echoed variables could not differ.
    const missing = await rawGraphql(server, NODE, { id: encodeGlobalID(type, newId()) }, alice);
    expect(real).toEqual(missing);
    expect(JSON.parse(real.body)).toEqual({ data: { node: null } });
    // An admin does see it: the id is real.
    const seen = await rawGraphql(server, NODE, { id: encodeGlobalID(type, id) }, adminHeaders);
    expect(JSON.parse(seen.body).data.node).toMatchObject({ __typename: type });
  });
});
