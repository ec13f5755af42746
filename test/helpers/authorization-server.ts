// A real authorization server in-process: panva's oidc-provider on 127.0.0.1, PKCE required,
// with an interaction that logs in and consents automatically (or denies, when told to).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { afterAll } from 'vitest';

export interface AuthorizationServer {
  issuer: string;
  provider: Provider;
  /** Successful token requests by grant type, and other events, counted at the provider. */
  counts: Record<string, number>;
  /** What the next interaction does. */
  decision: { outcome: 'allow' | 'deny'; accountId: string };
  /** Delay before answering token requests: widens race windows so that a double refresh shows. */
  tokenDelay: { ms: number };
  /** Revocation requests in order, by token_type_hint, with the provider's answer. */
  revocations: Array<{ hint: string | undefined; status: number }>;
  close(): Promise<void>;
}

export const TEST_CLIENT = { clientId: 'switchboard-test', clientSecret: 'switchboard-test-secret-value' };

export async function startAuthorizationServer(
  options: { redirectUri: string; clients?: Partial<ClientMetadata>[]; rotateRefreshToken?: boolean; accessTokenTtl?: number; clientCredentials?: boolean } = {
    redirectUri: 'http://localhost:4000/oauth2/callback',
  },
): Promise<AuthorizationServer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = (options.clients ?? [{}]).map((overrides) => ({
    client_id: TEST_CLIENT.clientId,
    client_secret: TEST_CLIENT.clientSecret,
    redirect_uris: [options.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...overrides,
  })) as ClientMetadata[];

  const provider = new Provider(issuer, {
    clients,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true }, clientCredentials: { enabled: options.clientCredentials ?? false } },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, email: `${sub}@example.test`, email_verified: true, name: `User ${sub}` }),
    }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    rotateRefreshToken: options.rotateRefreshToken ?? false,
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      ClientCredentials: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 600,
      Grant: 3600,
      RefreshToken: 86400,
    },
  });

  const counts: Record<string, number> = {};
  const count = (key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  provider.on('grant.success', (ctx) => count(`grant:${ctx.oidc.params?.grant_type}`));
  provider.on('grant.error', (ctx) => count(`grant-error:${ctx.oidc.params?.grant_type}`));
  provider.on('grant.revoked', () => count('grant.revoked'));
  provider.on('authorization_code.consumed', () => count('authorization_code.consumed'));
  provider.on('refresh_token.consumed', () => count('refresh_token.consumed'));
  // oidc-provider logs handled errors to the console; tests read them from counts instead.
  provider.on('server_error', () => count('server_error'));

  const decision: AuthorizationServer['decision'] = { outcome: 'allow', accountId: 'user-1' };
  const tokenDelay = { ms: 0 };
  const revocations: AuthorizationServer['revocations'] = [];
  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/token/revocation') {
      await next();
      revocations.push({ hint: ctx.oidc?.params?.token_type_hint as string | undefined, status: ctx.status });
      return;
    }
    // Which client authentication the broker used on the wire.
    if (ctx.method === 'POST' && ctx.path === '/token') {
      count(/^basic /i.test(ctx.get('authorization')) ? 'token-auth:client_secret_basic' : 'token-auth:client_secret_post');
      if (tokenDelay.ms) await new Promise((resolve) => setTimeout(resolve, tokenDelay.ms));
    }
    const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (ctx.method !== 'GET' || !match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (decision.outcome === 'deny') {
      await provider.interactionFinished(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: '<b>Denied</b> by "user"' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = new provider.Grant({ accountId: decision.accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: decision.accountId }, consent: { grantId } }, { mergeWithLastSubmission: true });
  });
  server.on('request', provider.callback());

  const authorizationServer: AuthorizationServer = {
    issuer,
    provider,
    counts,
    decision,
    tokenDelay,
    revocations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  afterAll(() => authorizationServer.close());
  return authorizationServer;
}

/** Where a test server that answers for a PUBLIC_URL listens: begin links name PUBLIC_URL, not the test port. */
const listeningFor = new Map<string, string[]>();
/** Any of them answers a begin link (they share the file's database); the returned function forgets one that stops. */
export function registerListeningServer(publicUrl: string, url: string): () => void {
  const origin = new URL(publicUrl).origin;
  listeningFor.set(origin, [...(listeningFor.get(origin) ?? []), url]);
  return () =>
    listeningFor.set(
      origin,
      (listeningFor.get(origin) ?? []).filter((listening) => listening !== url),
    );
}

/** `url`, sent to the test server that answers for its origin when it is a begin link. */
export function listeningServerFor(url: URL): URL {
  const listening = url.pathname === '/oauth/begin' ? listeningFor.get(url.origin)?.at(-1) : undefined;
  return listening ? new URL(`${listening}${url.pathname}${url.search}`) : url;
}

/** The callback URL a browser was sent to, with the cookies that browser holds for it (the flow's binding). */
export type CallbackUrl = URL & { cookie: string; providerUrl?: URL };

/**
 * A browser stand-in: follows redirects from the authorize URL (a begin link on PUBLIC_URL, which binds
 * this "browser" with a cookie, or a provider URL) with a path-aware cookie jar and stops at the first
 * redirect to `stopAt` (the broker's callback), returning that URL unvisited, with its cookies.
 */
export async function followToCallback(authorizeUrl: string, stopAt: string): Promise<CallbackUrl> {
  const jar = new Map<string, { value: string; path: string }>();
  let url = new URL(authorizeUrl);
  const cookiesFor = (target: URL) =>
    [...jar.entries()]
      .filter(([, entry]) => target.pathname.startsWith(entry.path))
      .map(([name, entry]) => `${name}=${entry.value}`)
      .join('; ');
  let providerUrl: URL | undefined;
  for (let hop = 0; hop < 15; hop++) {
    const cookie = cookiesFor(url);
    if (!providerUrl && url.pathname !== '/oauth/begin') providerUrl = url;
    const response = await fetch(listeningServerFor(url), { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const [name, ...value] = pair!.split('=');
      const path =
        attributes
          .map((attribute) => attribute.trim())
          .find((attribute) => attribute.toLowerCase().startsWith('path='))
          ?.slice(5) ?? '/';
      if (/expires=Thu, 01 Jan 1970|max-age=0\b/i.test(header)) jar.delete(name!.trim());
      else jar.set(name!.trim(), { value: value.join('='), path });
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`The authorization server stopped at ${url} with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    url = new URL(location, url);
    if (url.href.startsWith(stopAt)) return Object.assign(url, { cookie: cookiesFor(url), providerUrl });
  }
  throw new Error('Too many redirects');
}

/** The browser arriving at the broker's callback (on `server`), with its cookies. */
export function completeCallback(server: { url: string }, callback: CallbackUrl, init: RequestInit = {}): Promise<Response> {
  const headers = { ...(init.headers as Record<string, string> | undefined), ...(callback.cookie ? { cookie: callback.cookie } : {}) };
  return fetch(`${server.url}${callback.pathname}${callback.search}`, { ...init, headers });
}

/** Opens a begin link as a browser would: the provider URL it leads to, and the binding cookie it set. */
export async function openBeginLink(authorizeUrl: string): Promise<{ providerUrl: URL; cookie: string }> {
  const response = await fetch(listeningServerFor(new URL(authorizeUrl)), { redirect: 'manual' });
  if (response.status !== 303) throw new Error(`The begin link answered HTTP ${response.status}`);
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  return { providerUrl: new URL(response.headers.get('location')!), cookie };
}
