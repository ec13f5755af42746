// Issue 12 (security hardening), connect-flow binding: the state binds a flow to the user who started
// it, not to a browser, so someone can send their own authorizeUrl to another person. startConnect's
// flowId comes back with the outcome (redirectTo query, popup message), so the app accepts only the
// flows it started for the user in front of it. See README "Security" for what remains.
import { describe, expect, it } from 'vitest';
import { followToCallback, startAuthorizationServer } from './helpers/authorization-server.js';
import { CALLBACK, createOidcIntegration } from './helpers/connect.js';
import { graphql, startTestServer, userHeaders, testConfig } from './helpers/server.js';
import { prisma } from './helpers/database.js';

const config = testConfig();

const START = /* GraphQL */ `
  mutation ($input: StartConnectInput!) {
    startConnect(input: $input) {
      __typename
      ... on StartConnectPayload {
        authorizeUrl
        state
        flowId
      }
    }
  }
`;

describe('security hardening: connect-flow binding', async () => {
  const server = await startTestServer();
  const as = await startAuthorizationServer({ redirectUri: CALLBACK });
  const slug = await createOidcIntegration(server, as);
  const start = async (userId: string, input: Record<string, unknown> = {}) =>
    (await graphql(server, START, { input: { integration: slug, ...input } }, await userHeaders(userId))).data.startConnect;

  it('hands the flowId of the flow actually completed to redirectTo, so the app can refuse a flow someone else started', async () => {
    // The app remembers the flows it started for the victim's session.
    const victimsFlow = await start('victim', { connectionName: 'own', redirectTo: `${config.publicUrl}/done` });
    // The attacker starts a flow of their own and gets the victim to complete it.
    const attackersFlow = await start('attacker', { connectionName: 'lure', redirectTo: `${config.publicUrl}/done` });
    expect(attackersFlow.flowId).not.toBe(victimsFlow.flowId);
    expect(attackersFlow.flowId).toMatch(/^[0-9a-f]{32}$/);
    expect(attackersFlow.state).not.toContain(attackersFlow.flowId);

    const completed = await fetch(`${server.url}/oauth2/callback${(await followToCallback(attackersFlow.authorizeUrl, CALLBACK)).search}`, {
      redirect: 'manual',
    });
    expect(completed.status).toBe(303);
    const landing = new URL(completed.headers.get('location')!);
    expect(landing.searchParams.get('connect')).toBe('success');
    // The victim's app sees a flowId it never started for this session: it shows a warning instead of "connected".
    expect(landing.searchParams.get('flowId')).toBe(attackersFlow.flowId);
    expect([victimsFlow.flowId]).not.toContain(landing.searchParams.get('flowId'));
  });

  it("puts the flowId in the popup page's message, and in the outcome of a refused callback", async () => {
    const popupFlow = await start('popup-user', { connectionName: 'popup' });
    const callbackUrl = await followToCallback(popupFlow.authorizeUrl, CALLBACK);
    const page = await (await fetch(`${server.url}/oauth2/callback${callbackUrl.search}`)).text();
    expect(page).toContain(`"flowId":"${popupFlow.flowId}"`);
    // A refused callback (here an expired flow) still names the flow in its outcome.
    const lateFlow = await start('popup-user', { connectionName: 'late' });
    const lateCallback = await followToCallback(lateFlow.authorizeUrl, CALLBACK);
    await prisma.pendingAuthorization.updateMany({
      where: { viewerId: 'popup-user', connectionName: 'late' },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const late = await fetch(`${server.url}/oauth2/callback${lateCallback.search}`);
    expect(late.status).toBe(400);
    expect(await late.text()).toContain(`"flowId":"${lateFlow.flowId}"`);
  });
});
