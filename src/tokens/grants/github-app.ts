// GitHub App installation tokens: an app JWT (RS256, iss = app id, at most 10 minutes) buys a one-hour
// token for one installation at {apiBaseUrl}/app/installations/{id}/access_tokens, so GitHub
// Enterprise Server works by pointing apiBaseUrl at https://HOST/api/v3.
import { SignJWT } from 'jose';
import type { StoredCredentials } from '../../domain/connections.js';
import { revealPrivateKey, type Integration } from '../../domain/integrations.js';
import { ProviderError, ValidationError } from '../../kernel/errors.js';
import { signingKeyOf } from '../../crypto/private-key.js';
import { credentialsFromTokenAnswer, postTokenRequest, type GrantContext } from './token-request.js';
import type { Keyring } from '../../crypto/envelope.js';
import type { Outbound } from '../../net/outbound.js';
import { readBody } from '../../net/body.js';

export const INSTALLATION_ID_PATTERN = /^[1-9][0-9]{0,19}$/;
const GITHUB_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

/** The app's JWT: iat 60 s in the past (clock drift, as GitHub advises), exp 9 minutes ahead. */
async function githubAppJwt(keyring: Keyring, integration: Pick<Integration, 'id' | 'slug' | 'appId' | 'privateKeyEnc'>): Promise<string> {
  const pem = revealPrivateKey(keyring, integration);
  if (!integration.appId || !pem)
    throw new ProviderError(`The integration "${integration.slug}" has no appId or private key.`, { providerError: 'no_app_key' });
  const { key, alg } = signingKeyOf(pem);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setIssuer(integration.appId)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + 540)
    .sign(key);
}

function installationTokenUrl(apiBaseUrl: string, installationId: string): string {
  if (!INSTALLATION_ID_PATTERN.test(installationId))
    throw ValidationError.field('installationId', 'installationId is the number GitHub gives the installation.');
  return `${apiBaseUrl.replace(/\/+$/, '')}/app/installations/${installationId}/access_tokens`;
}

export async function githubInstallationGrant(
  context: GrantContext,
  integration: Integration,
  previous: StoredCredentials,
  apiBaseUrl: string | null,
): Promise<StoredCredentials> {
  const installationId = previous.installationId;
  const base = apiBaseUrl ?? integration.apiBaseUrl;
  if (!installationId || !base) throw new ProviderError('The connection has no installation id or API base URL.', { providerError: 'no_installation' });
  const body = await postTokenRequest(context.outbound, {
    url: installationTokenUrl(base, installationId),
    headers: { ...GITHUB_HEADERS, authorization: `Bearer ${await githubAppJwt(context.keyring, integration)}` },
    action: 'mint an installation token',
    // 404: no such installation (uninstalled): only a new installation helps. A 401 (wrong key or app
    // id) is the integration's to fix; a 403 may be a rate limit: both may pass.
    refusedStatuses: [404],
    timeoutMs: context.providerClient.tokenRequestTimeoutMs(integration),
    settings: { tokenResponse: { accessToken: 'token' } },
  });
  // GitHub names the token `token`: keep it out of `raw`, which callers may read.
  const { token: _token, expires_at, ...answer } = body;
  const expiresAt = typeof expires_at === 'string' && !Number.isNaN(Date.parse(expires_at)) ? new Date(expires_at) : new Date(Date.now() + 3600_000);
  return credentialsFromTokenAnswer(previous, { ...answer, token_type: 'bearer' }, expiresAt);
}

/**
 * Asks GitHub, as the app (its JWT), about an installation: `GET /app/installations/{id}` answers only
 * for installations of this app. Resolves with what GitHub says, or refuses with a ProviderError: an
 * installation id from a browser is never trusted by itself.
 */
export async function verifyGitHubInstallation(
  context: { outbound: Outbound; keyring: Keyring; timeoutMs: number },
  integration: Pick<Integration, 'id' | 'slug' | 'appId' | 'privateKeyEnc' | 'apiBaseUrl'>,
  installationId: string,
): Promise<{ account: string | null }> {
  if (!integration.apiBaseUrl) throw new ProviderError('The integration has no API base URL.', { providerError: 'no_installation' });
  const url = new URL(installationTokenUrl(integration.apiBaseUrl, installationId).replace(/\/access_tokens$/, ''));
  let response;
  try {
    response = await context.outbound.request({
      origin: url.origin,
      path: url.pathname,
      method: 'GET',
      headers: { ...GITHUB_HEADERS, authorization: `Bearer ${await githubAppJwt(context.keyring, integration)}`, 'user-agent': 'Switchboard' },
      headersTimeout: context.timeoutMs,
      bodyTimeout: context.timeoutMs,
    });
  } catch {
    throw new ProviderError('GitHub could not be reached to check the installation.', { providerError: 'unreachable' });
  }
  const read = await readBody(response.body, 256 * 1024);
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(read.bytes.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // checked below
  }
  if (response.statusCode === 404)
    throw new ProviderError('GitHub knows no installation of this app with that id.', { providerStatus: 404, providerError: 'unknown_installation' });
  if (response.statusCode !== 200 || !read.complete) {
    throw new ProviderError(`GitHub did not confirm the installation (HTTP ${response.statusCode}).`, {
      providerStatus: response.statusCode,
      providerError: 'installation_unconfirmed',
    });
  }
  // The answer must be about this installation of this app (GitHub Enterprise proxies, a wrong base URL).
  if (String(body.id) !== installationId || (body.app_id !== undefined && String(body.app_id) !== integration.appId)) {
    throw new ProviderError('GitHub answered about another installation or app.', { providerError: 'installation_mismatch' });
  }
  if (body.suspended_at) throw new ProviderError('The installation is suspended.', { providerError: 'installation_suspended' });
  const account = body.account && typeof body.account === 'object' ? (body.account as Record<string, unknown>).login : null;
  return { account: typeof account === 'string' ? account : null };
}
