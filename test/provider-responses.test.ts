// Token endpoint answers that are not RFC 6749-conformant, from a real local HTTP endpoint, through the
// same openid-client configuration the callback uses.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFromRefresh } from '../src/tokens/grants/index.js';

const credentialsFromTokenResponse = (tokens: Parameters<typeof credentialsFromRefresh>[1]) => credentialsFromRefresh({ type: 'OAUTH2' }, tokens);
import { providerErrorFrom } from '../src/provider/provider-client.js';
import { makeIntegration } from './helpers/fixtures.js';
import { testApp } from './helpers/server.js';

const app = testApp();

let nextAnswer: { status: number; body: unknown } = { status: 200, body: {} };
const tokenServer = http.createServer((_req, res) => {
  res.writeHead(nextAnswer.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(nextAnswer.body));
});
beforeAll(() => new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => tokenServer.close(() => resolve())));

async function refreshWith(answer: typeof nextAnswer) {
  nextAnswer = answer;
  const base = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}`;
  const integration = await makeIntegration(app, { authorizationUrl: `${base}/authorize`, tokenUrl: `${base}/token` });
  return oidc.refreshTokenGrant(await app.providerClient.configuration(integration), 'old-refresh-token');
}

describe('non-conformant token responses', () => {
  it('HTTP 200 with an error field (GitHub) becomes a typed ProviderError, with no token text', async () => {
    const failure = await refreshWith({ status: 200, body: { error: 'bad_verification_code', error_description: 'The code passed is incorrect' } }).catch(
      (error) => error,
    );
    expect(failure).toBeInstanceOf(oidc.ResponseBodyError);
    const typed = providerErrorFrom(failure, 'refresh the token');
    expect(typed.details).toMatchObject({ providerError: 'bad_verification_code', providerStatus: 400 });
    expect(typed.message).not.toContain('old-refresh-token');
  });

  it('a token_type other than bearer (Slack "bot") is accepted and kept as provider_token_type', async () => {
    const tokens = await refreshWith({ status: 200, body: { ok: true, access_token: 'xoxb-1', token_type: 'bot', scope: 'chat:write' } });
    const credentials = credentialsFromTokenResponse(tokens);
    expect(credentials).toMatchObject({ accessToken: 'xoxb-1', tokenType: 'bearer', scope: 'chat:write' });
    expect(credentials.raw).toMatchObject({ ok: true, provider_token_type: 'bot' });
  });

  it('a missing token_type and a string expires_in are normalised', async () => {
    const before = Date.now();
    const tokens = await refreshWith({ status: 200, body: { access_token: 'at-1', expires_in: '3600' } });
    const credentials = credentialsFromTokenResponse(tokens);
    expect(credentials.tokenType).toBe('bearer');
    expect(new Date(credentials.expiresAt!).getTime()).toBeGreaterThanOrEqual(before + 3_599_000);
  });

  it('a missing expires_in leaves the expiry unknown instead of inventing one', async () => {
    const credentials = credentialsFromTokenResponse(await refreshWith({ status: 200, body: { access_token: 'at-2', token_type: 'Bearer' } }));
    expect(credentials.expiresAt).toBeUndefined();
  });

  it('an HTML error page is an unusable response, reported without its body', async () => {
    nextAnswer = { status: 502, body: '<html>Bad gateway</html>' };
    const failure = await refreshWith(nextAnswer).catch((error) => error);
    const typed = providerErrorFrom(failure, 'refresh the token');
    expect(typed.message).toMatch(/could not be used/);
    expect(JSON.stringify(typed)).not.toContain('Bad gateway');
  });
});
