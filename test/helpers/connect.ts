// Integrations against the in-process authorization server, and connections made through the real
// connect flow (startConnect → provider consent → callback).
import { expect } from 'vitest';
import type { App } from '../../src/app.js';
import { changeOf } from '../../src/domain/connections.js';
import { followToCallback, TEST_CLIENT, type AuthorizationServer, completeCallback } from './authorization-server.js';
import { prisma } from './database.js';
import { uniqueSlug } from './fixtures.js';
import { adminHeaders, graphql, testConfig } from './server.js';

export const CALLBACK = `${testConfig().publicUrl}/oauth2/callback`;

/** An OpenID Connect integration on the in-process authorization server; its userinfo (/me) is the API. */
export async function createOidcIntegration(server: { url: string }, as: AuthorizationServer, overrides: Record<string, unknown> = {}): Promise<string> {
  const slug = uniqueSlug('oidc');
  const created = await graphql(
    server,
    `
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
    `,
    {
      input: {
        slug,
        provider: 'custom',
        issuer: as.issuer,
        clientId: TEST_CLIENT.clientId,
        clientSecret: TEST_CLIENT.clientSecret,
        scopes: ['openid', 'offline_access', 'email'],
        authorizationParams: { prompt: 'consent' },
        apiBaseUrl: `${as.issuer}/`,
        ...overrides,
      },
    },
    adminHeaders,
  );
  expect(created.data.createIntegration).toEqual({ __typename: 'CreateIntegrationPayload' });
  return slug;
}

/** Runs the whole connect flow for the user behind `headers`; returns the stored connection. */
export async function connectThroughProvider(server: { url: string }, slug: string, headers: Record<string, string>, connectionName = 'default') {
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
    { input: { integration: slug, connectionName } },
    headers,
  );
  expect(started.data.startConnect.__typename).toBe('StartConnectPayload');
  const callbackUrl = await followToCallback(started.data.startConnect.authorizeUrl, CALLBACK);
  const response = await completeCallback(server, callbackUrl, { redirect: 'manual' });
  expect(response.status).toBe(200);
  const connection = await prisma.connection.findFirstOrThrow({
    where: { integration: { slug }, name: connectionName },
    orderBy: { updatedAt: 'desc' },
  });
  return connection;
}

/** Makes the stored access token look expired (the provider still accepts it) and tells the app's caches (and, with Redis, the other instances'). */
export async function expireToken(app: Pick<App, 'changes'>, connectionId: string, when = new Date(Date.now() - 1000)) {
  const connection = await prisma.connection.update({ where: { id: connectionId }, data: { tokenExpiresAt: when, sequence: { increment: 1 } } });
  app.changes.announceConnection(changeOf(connection));
  return connection;
}
