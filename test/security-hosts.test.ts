// Issue 12 (security hardening), hosts chosen by users: a ${connectionConfig.x} value that selects a
// host must match the provider's host pattern or be fixed by an admin; labels contain no . : / @ ? %;
// the same check wherever stored values are used again (createConnection's metadata too). A client
// secret only ever goes to a host fixed by an admin or the catalog. Test names cite
// ../shared/security-checklist.md ("Hosts chosen by users").
import { encodeGlobalID } from '@pothos/plugin-relay';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCatalog, providerTemplate } from '../src/catalog/index.js';
import { hostMatchesPattern, placeholderPlacementProblems } from '../src/catalog/schema.js';
import type { CreateIntegrationInput } from '../src/domain/integrations.js';
import { ReauthorizationRequiredError, ValidationError } from '../src/kernel/errors.js';
import { checkedConnectionConfig as checkedWith } from '../src/provider/templates.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';
import { prisma } from './helpers/database.js';

/** A TCP listener standing for the attacker's host: counts every connection made to it. */
async function attackerHost() {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

const fieldErrorsOf = (payload: { __typename: string; fieldErrors?: Array<{ field: string; message: string }> }) => {
  expect(payload.__typename).toBe('ValidationError');
  return payload.fieldErrors!.map((error) => error.field);
};

describe('security hardening: hosts chosen by users', async () => {
  const server = await startTestServer();
  const createIntegration = (input: CreateIntegrationInput) => server.services.integrations.create(input);
  /** Judged as the server judges a user's values (its URL policy). */
  const checkedConnectionConfig = (integration: Parameters<typeof checkedWith>[0], input: Record<string, unknown>) =>
    checkedWith(integration, input, server.urls);
  const attacker = await attackerHost();
  const user = await userHeaders('host-chooser');
  const fromTemplate = async (provider: string, extra: Record<string, unknown> = {}) => {
    const slug = uniqueSlug(provider);
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on ValidationError {
              fieldErrors {
                field
                message
              }
            }
          }
        }
      `,
      { input: { slug, provider, clientId: 'client', clientSecret: 'the-client-secret', ...extra } },
      adminHeaders,
    );
    return { slug, payload: created.data.createIntegration };
  };
  const createConnectionAs = (headers: Record<string, string>, input: Record<string, unknown>) =>
    graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
            ... on ValidationError {
              fieldErrors {
                field
                message
              }
            }
          }
        }
      `,
      { input },
      headers,
    );
  const startConnectAs = (headers: Record<string, string>, input: Record<string, unknown>) =>
    graphql(
      server,
      `
        mutation ($input: StartConnectInput!) {
          startConnect(input: $input) {
            __typename
            ... on ValidationError {
              fieldErrors {
                field
                message
              }
            }
          }
        }
      `,
      { input },
      headers,
    );

  it('createConnection refuses a Zendesk subdomain that would move the token URL to another host, sending nothing', async () => {
    const { slug } = await fromTemplate('zendesk');
    for (const subdomain of [`127.0.0.1:${attacker.port}/`, 'attacker.example:8443/', 'attacker.example', 'a@b', 'a?b', 'a%2fb']) {
      const answer = await createConnectionAs(user, { integration: slug, refreshToken: 'x', metadata: { connectionConfig: { subdomain } } });
      expect(fieldErrorsOf(answer.data.createConnection)).toEqual(['metadata.connectionConfig.subdomain']);
    }
    expect(attacker.connections()).toBe(0);
    expect(await prisma.connection.count({ where: { integration: { slug } } })).toBe(0);
  });

  it('createConnection and startConnect refuse an Okta domain outside *.okta.com / *.oktapreview.com, sending nothing', async () => {
    const { slug } = await fromTemplate('okta');
    for (const domain of [`127.0.0.1:${attacker.port}`, 'attacker.example', 'okta.com.attacker.example', 'acme.okta.com:443', 'acme.okta.com/x']) {
      const imported = await createConnectionAs(user, { integration: slug, refreshToken: 'x', metadata: { connectionConfig: { domain } } });
      expect(fieldErrorsOf(imported.data.createConnection)).toEqual(['metadata.connectionConfig.domain']);
      const started = await startConnectAs(user, { integration: slug, connectionConfig: { domain } });
      expect(fieldErrorsOf(started.data.startConnect)).toEqual(['connectionConfig.domain']);
    }
    expect(attacker.connections()).toBe(0);
  });

  it("accepts hosts that match the provider's patterns (Okta, Auth0)", async () => {
    const okta = await createIntegration({ slug: uniqueSlug('okta'), provider: 'okta', clientId: 'c', clientSecret: 's' });
    expect(checkedConnectionConfig(okta, { domain: 'acme.okta.com' })).toEqual({ domain: 'acme.okta.com' });
    expect(checkedConnectionConfig(okta, { domain: 'Acme.OktaPreview.com' })).toEqual({ domain: 'Acme.OktaPreview.com' });
    const auth0 = await createIntegration({ slug: uniqueSlug('auth0'), provider: 'auth0', clientId: 'c', clientSecret: 's' });
    expect(checkedConnectionConfig(auth0, { domain: 'acme.eu.auth0.com' })).toEqual({ domain: 'acme.eu.auth0.com' });
    expect(() => checkedConnectionConfig(auth0, { domain: 'auth0.com' })).toThrow(ValidationError);
    expect(hostMatchesPattern('a.b.okta.com', '*.okta.com')).toBe(true);
    expect(hostMatchesPattern('evilokta.com', '*.okta.com')).toBe(false);
    expect(hostMatchesPattern('.okta.com', '*.okta.com')).toBe(false);
  });

  it('a self-hosted host (Keycloak) is set by an admin on the integration, never by a user', async () => {
    const unset = await fromTemplate('keycloak');
    const byUser = await startConnectAs(user, { integration: unset.slug, connectionConfig: { host: `127.0.0.1:${attacker.port}`, realm: 'acme' } });
    expect(fieldErrorsOf(byUser.data.startConnect)).toEqual(['connectionConfig.host']);
    const plausible = await startConnectAs(user, { integration: unset.slug, connectionConfig: { host: 'sso.example.com', realm: 'acme' } });
    expect(fieldErrorsOf(plausible.data.startConnect)).toEqual(['connectionConfig.host']);

    const fixed = await fromTemplate('keycloak', { connectionConfig: { host: 'sso.acme.example' } });
    expect(fixed.payload.__typename).toBe('CreateIntegrationPayload');
    const integration = await prisma.integration.findUniqueOrThrow({ where: { slug: fixed.slug } });
    // The admin's host holds for every connection; a user gives only the realm, and cannot override the host.
    expect(checkedConnectionConfig(integration, { realm: 'acme' })).toEqual({ realm: 'acme', host: 'sso.acme.example' });
    const override = await startConnectAs(user, { integration: fixed.slug, connectionConfig: { host: 'evil.example', realm: 'acme' } });
    expect(fieldErrorsOf(override.data.startConnect)).toEqual(['connectionConfig.host']);
    // An admin's value is still a host name on a public host.
    const bad = await fromTemplate('keycloak', { connectionConfig: { host: 'sso.acme.example/evil' } });
    expect(fieldErrorsOf(bad.payload)).toEqual(['connectionConfig.host']);
    expect(attacker.connections()).toBe(0);
  });

  it('labels contain no . : / @ ? % (Shopify shop, Keycloak realm)', async () => {
    const shopify = await createIntegration({ slug: uniqueSlug('shopify'), provider: 'shopify', clientId: 'c', clientSecret: 's' });
    expect(checkedConnectionConfig(shopify, { shop: 'acme-store_1' })).toEqual({ shop: 'acme-store_1', api_version: '2026-10' });
    for (const shop of ['acme.evil', 'acme:1', 'a/b', 'a@b', 'a?b', 'a%2e']) expect(() => checkedConnectionConfig(shopify, { shop })).toThrow(ValidationError);
    // A tenant in a path may be a domain (Microsoft), but never "." or "..".
    const microsoft = await createIntegration({ slug: uniqueSlug('microsoft'), provider: 'microsoft', clientId: 'c', clientSecret: 's' });
    expect(checkedConnectionConfig(microsoft, { tenant: 'contoso.onmicrosoft.com' })).toEqual({ tenant: 'contoso.onmicrosoft.com' });
    for (const tenant of ['..', '.', 'a/b']) expect(() => checkedConnectionConfig(microsoft, { tenant })).toThrow(ValidationError);
  });

  it('judges stored values again on every later use: a connection saved with a foreign host is never refreshed there', async () => {
    const integration = await createIntegration({ slug: uniqueSlug('okta'), provider: 'okta', clientId: 'c', clientSecret: 's' });
    // As a row written before these checks existed would be.
    const connectionConfig = { domain: `127.0.0.1:${attacker.port}` };
    await expect(server.providerClient.configuration(integration, connectionConfig)).rejects.toBeInstanceOf(ReauthorizationRequiredError);
    const connection = await server.store.saveAuthorized(
      {
        integration,
        ownerId: 'host-chooser',
        name: 'legacy',
        credentials: { type: 'OAUTH2', accessToken: 'a', refreshToken: 'r', tokenType: 'bearer' },
        scopes: [],
        tokenExpiresAt: new Date(Date.now() - 1000),
        apiBaseUrl: null,
        metadata: { connectionConfig },
      },
      { userId: 'host-chooser' },
    );
    const refreshed = await graphql(
      server,
      `
        mutation ($id: ID!) {
          refreshConnection(input: { connectionId: $id }) {
            __typename
          }
        }
      `,
      { id: encodeGlobalID('Connection', connection.id) },
      user,
    );
    expect(refreshed.data.refreshConnection.__typename).toBe('ReauthorizationRequiredError');
    expect(attacker.connections()).toBe(0);
  });

  it("integrations created before host rules take the catalog's current rules for their fields", async () => {
    const integration = await createIntegration({ slug: uniqueSlug('okta'), provider: 'okta', clientId: 'c', clientSecret: 's' });
    const settings = integration.settings as { connectionConfig: Array<Record<string, unknown>> };
    const legacy = await prisma.integration.update({
      where: { id: integration.id },
      data: { settings: { ...settings, connectionConfig: settings.connectionConfig.map(({ name, description }) => ({ name, description })) } as object },
    });
    expect(() => checkedConnectionConfig(legacy, { domain: 'attacker.example' })).toThrow(ValidationError);
    expect(checkedConnectionConfig(legacy, { domain: 'acme.okta.com' })).toEqual({ domain: 'acme.okta.com' });
  });

  it('the catalog refuses a host value that is not pinned, and a label that forms a whole host', () => {
    const entry = (connectionConfig: unknown[], issuer: string) =>
      `- key: demo\n  name: Demo\n  docsUrl: https://docs.example.com\n  issuer: ${issuer}\n  connectionConfig: ${JSON.stringify(connectionConfig)}\n`;
    expect(() => parseCatalog(entry([{ name: 'domain', description: 'd', kind: 'host' }], 'https://${connectionConfig.domain}/'))).toThrow(
      /hosts patterns; otherwise setBy: admin/,
    );
    expect(() => parseCatalog(entry([{ name: 'domain', description: 'd' }], 'https://${connectionConfig.domain}/'))).toThrow(/label/);
    expect(() => parseCatalog(entry([{ name: 'tenant', description: 'd', kind: 'segment' }], 'https://${connectionConfig.tenant}.example.com/'))).toThrow(
      /path segment/,
    );
    expect(
      parseCatalog(entry([{ name: 'domain', description: 'd', kind: 'host', hosts: ['*.demo.example'] }], 'https://${connectionConfig.domain}/')),
    ).toHaveLength(1);
    expect(placeholderPlacementProblems('https://${connectionConfig.sub}.zendesk.com/x', [])).toEqual([]);
    // Every built-in entry with a host value pins it.
    for (const key of ['okta', 'auth0', 'keycloak']) {
      const field = providerTemplate(key)!.connectionConfig.find((candidate) => candidate.kind === 'host')!;
      expect(Boolean(field.hosts?.length) || field.setBy === 'admin').toBe(true);
    }
  });
});
