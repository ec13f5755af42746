// The sandbox provider (development only): panva's oidc-provider, mounted by Switchboard under
// PUBLIC_URL/sandbox, so that a fresh clone can connect something end to end with nothing registered
// anywhere. oidc-provider is a certified, well-kept OpenID Connect implementation (PKCE, rotating
// refresh tokens, revocation, discovery), the same one the test suite already runs: hand-writing
// those for a demo would be more code to trust, not less.
//
//   /sandbox/oauth/…             the authorization server (issuer PUBLIC_URL/sandbox/oauth)
//   /sandbox/interaction/:uid    its sign-in and consent page, with Allow and Deny
//   /sandbox/api/me              a small protected API: who the access token belongs to
//   /sandbox/logo.svg            its logo
//
// Clients are the sandbox integrations themselves (their generated client id and secret), read from
// the database once and kept. Grants, codes, tokens and sessions are kept in memory and, with its
// signing key, in a file in the data directory (`stateFile`): a connection to the sandbox survives a
// restart or an `npm run dev` reload, and nothing of the sandbox enters Switchboard's tables.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
// Types only here: oidc-provider itself is loaded when the sandbox is first used (never in production).
import type { default as Provider, Adapter, AdapterPayload, ClientMetadata } from 'oidc-provider';
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { sandboxIssuer, SANDBOX_PROVIDER } from '../catalog/sandbox.js';
import type { Keyring } from '../crypto/envelope.js';
import type { ChangeFeed } from '../domain/changes.js';
import { revealClientSecret } from '../domain/integrations.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { escapeHtml, newNonce, readForm, renderPage, sendPage } from '../html/page.js';
import type { Logger } from '../kernel/log.js';

const ACCOUNT_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
const MAX_RECORDS = 50_000;
const DEFAULT_ACCOUNT = 'sandbox-user';

export interface SandboxHandler {
  handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void>;
  /** Reads the sandbox integrations' clients (once the database is migrated). */
  preloadClients(): Promise<void>;
}

export interface SandboxDeps {
  prisma: PrismaClient;
  keyring: Keyring;
  changes: Pick<ChangeFeed, 'onIntegration'>;
  publicUrl: string;
  logger: Logger;
  /** Where grants, tokens and the signing key are kept across restarts; unset: in memory only. */
  stateFile?: string;
}

/** What the sandbox keeps across restarts: its signing key and cookie key, and each record with its expiry (ms since the epoch, 0: none). */
interface SandboxState {
  jwk?: JWK;
  cookieKey?: string;
  records: Array<[key: string, payload: AdapterPayload, expiresAt: number]>;
}

function readState(file: string | undefined, logger: Logger): SandboxState {
  if (!file || !fs.existsSync(file)) return { records: [] };
  try {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxState;
    return { ...state, records: Array.isArray(state.records) ? state.records : [] };
  } catch (error) {
    logger.warn({ err: error, file }, 'the sandbox state file could not be read: starting afresh');
    return { records: [] };
  }
}

/** The sandbox's routes; the provider itself is made on first use (key generation costs a moment). */
export function createSandbox(deps: SandboxDeps): SandboxHandler {
  // Grants, codes, tokens and sessions, each until it expires; past MAX_RECORDS the least recently
  // used go first (a development sandbox, not a store of record).
  const records = new LRUCache<string, AdapterPayload>({ max: MAX_RECORDS });
  const state = readState(deps.stateFile, deps.logger);
  const now = Date.now();
  for (const [key, payload, expiresAt] of state.records) {
    if (expiresAt === 0) records.set(key, payload);
    else if (expiresAt > now) records.set(key, payload, { ttl: expiresAt - now });
  }
  /** Written whole, at once, after each change: a development sandbox holds few records, and a restart right after connecting must find them. */
  const save = () => {
    if (!deps.stateFile) return;
    const at = Date.now();
    state.records = [...records.entries()].map(([key, payload]) => {
      const remaining = records.getRemainingTTL(key);
      return [key, payload, Number.isFinite(remaining) && remaining > 0 ? at + remaining : 0];
    });
    try {
      fs.mkdirSync(path.dirname(deps.stateFile), { recursive: true });
      const temporary = `${deps.stateFile}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
      fs.renameSync(temporary, deps.stateFile);
    } catch (error) {
      deps.logger.warn({ err: error, file: deps.stateFile }, 'the sandbox state could not be saved: its grants last until a restart');
    }
  };

  const SandboxAdapter = class implements Adapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      records.set(this.key(id), payload, { ttl: expiresIn ? expiresIn * 1000 : 0 });
      save();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return sandboxClient(id);
      return records.get(this.key(id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      for (const [key, payload] of records.entries()) if (key.startsWith(`${this.model}:`) && payload.uid === uid) return payload;
      return undefined;
    }

    async findByUserCode(): Promise<undefined> {
      return undefined; // the device flow is not enabled
    }

    async consume(id: string): Promise<void> {
      const payload = records.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      save();
    }

    async destroy(id: string): Promise<void> {
      records.delete(this.key(id));
      save();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [key, payload] of records.entries()) if (payload.grantId === grantId) records.delete(key);
      save();
    }
  };

  const clients = new Map<string, ClientMetadata>();
  deps.changes.onIntegration(() => {
    clients.clear();
    void preloadClients().catch(() => {});
  });

  /** A sandbox integration, as an OAuth client of the sandbox. */
  async function sandboxClient(clientId: string): Promise<ClientMetadata | undefined> {
    const known = clients.get(clientId);
    if (known) return known;
    const integration = await deps.prisma.integration.findFirst({ where: { provider: SANDBOX_PROVIDER, clientId } });
    if (!integration) return undefined;
    const client: ClientMetadata = {
      client_id: clientId,
      client_secret: revealClientSecret(deps.keyring, integration),
      client_name: integration.name,
      redirect_uris: [`${deps.publicUrl}/oauth2/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    };
    clients.set(clientId, client);
    return client;
  }

  /** Reads the sandbox integrations' clients ahead of any token request (see the note on storage above). */
  async function preloadClients(): Promise<void> {
    const integrations = await deps.prisma.integration.findMany({ where: { provider: SANDBOX_PROVIDER } });
    for (const integration of integrations) if (integration.clientId) await sandboxClient(integration.clientId);
  }

  const basePath = new URL(`${deps.publicUrl}/sandbox`).pathname;
  let providerPromise: Promise<Provider> | undefined;
  const provider = () => (providerPromise ??= makeProvider(deps, basePath, SandboxAdapter, state, save));

  return {
    preloadClients,
    async handle(req, res, path) {
      if (path.startsWith('/sandbox/oauth/') || path === '/sandbox/oauth') {
        const oidc = await provider();
        // Mounted: oidc-provider finds its mount path from originalUrl and sees the rest as its url.
        const original = req.url ?? '/';
        Object.assign(req, { originalUrl: original, url: original.slice('/sandbox/oauth'.length) || '/' });
        return oidc.callback()(req, res);
      }
      const interaction = /^\/sandbox\/interaction\/([A-Za-z0-9_-]{1,100})$/.exec(path);
      if (interaction) return handleInteraction(await provider(), req, res, interaction[1]!, clients);
      if (path === '/sandbox/api/me') return handleMe(await provider(), req, res);
      if (path === '/sandbox/logo.svg') {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' });
        return void res.end(LOGO);
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found', message: `No route ${path}` }));
    },
  };
}

async function makeProvider(
  deps: SandboxDeps,
  basePath: string,
  adapter: new (model: string) => Adapter,
  state: SandboxState,
  save: () => void,
): Promise<Provider> {
  // The key that signed the ID tokens already issued, when there is one kept.
  if (!state.jwk || !state.cookieKey) {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    state.jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: `sandbox-${randomBytes(4).toString('hex')}` };
    state.cookieKey = randomBytes(32).toString('base64url');
    save();
  }
  const jwk = state.jwk;
  const { default: OidcProvider } = await import('oidc-provider');
  const provider = new OidcProvider(sandboxIssuer(deps.publicUrl), {
    adapter,
    jwks: { keys: [jwk as never] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true }, userinfo: { enabled: true } },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => accountClaims(sub) }),
    interactions: { url: (_ctx, interaction) => `${basePath}/interaction/${interaction.uid}` },
    // Named its own: the sandbox shares the host with Switchboard (and the hosted connect page's cookie).
    cookies: {
      keys: [state.cookieKey],
      names: { session: 'sb_sandbox_session', interaction: 'sb_sandbox_interaction', resume: 'sb_sandbox_resume' },
    },
    // Every sign-in gets a refresh token, and every refresh rotates it (the old one stops working).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 14 * 86400, RefreshToken: 14 * 86400, IdToken: 3600 },
    renderError: (ctx, out) => {
      const nonce = newNonce();
      ctx.type = 'html';
      ctx.set('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors 'none'`);
      ctx.body = renderPage({
        title: 'Sandbox: error',
        nonce,
        body: `<h1>Sandbox error</h1><p role="alert">${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p>`,
      });
    },
  });
  // It answers errors itself; the log keeps their names only.
  provider.on('server_error', (_ctx, error) => deps.logger.warn({ err: error }, 'sandbox provider error'));
  return provider;
}

function accountClaims(sub: string) {
  return { sub, name: `Sandbox ${sub}`, email: `${sub}@sandbox.switchboard.test`, email_verified: true };
}

async function handleInteraction(
  provider: Provider,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  uid: string,
  clients: ReadonlyMap<string, ClientMetadata>,
): Promise<void> {
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    const nonce = newNonce();
    return sendPage(
      res,
      400,
      renderPage({ title: 'Sandbox', nonce, body: '<h1>Sandbox sign-in</h1><p role="alert">This sign-in has expired. Start again from the app.</p>' }),
      nonce,
    );
  }
  if (details.uid !== uid) return void res.writeHead(404).end();

  if (req.method === 'POST') {
    const form = await readForm(req, 4096);
    const decision = form?.get('decision');
    const account = (form?.get('username') ?? '').trim();
    if (decision === 'deny') {
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user denied access.' },
        { mergeWithLastSubmission: false },
      );
    }
    if (decision === 'allow' && ACCOUNT_PATTERN.test(account)) {
      const grant = details.grantId
        ? ((await provider.Grant.find(details.grantId)) ?? newGrant(provider, account, details))
        : newGrant(provider, account, details);
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { login: { accountId: account }, consent: { grantId } }, { mergeWithLastSubmission: false });
    }
    return renderSignIn(res, details, clients, 'The user name is 1-64 of letters, digits and . _ @ -', account);
  }
  return renderSignIn(res, details, clients);
}

function newGrant(provider: Provider, accountId: string, details: Awaited<ReturnType<Provider['interactionDetails']>>) {
  return new provider.Grant({ accountId, clientId: String(details.params.client_id) });
}

function renderSignIn(
  res: http.ServerResponse,
  details: Awaited<ReturnType<Provider['interactionDetails']>>,
  clients: ReadonlyMap<string, ClientMetadata>,
  error?: string,
  account = DEFAULT_ACCOUNT,
): void {
  const nonce = newNonce();
  const scopes = String(details.params.scope ?? '')
    .split(' ')
    .filter(Boolean);
  const client = clients.get(String(details.params.client_id));
  const body = `
<div class="integration-head"><img class="logo" src="../logo.svg" alt=""><div><h1>Sandbox sign-in</h1></div></div>
<p>A pretend provider for development. <strong>${escapeHtml(String(client?.client_name ?? details.params.client_id))}</strong> (through Switchboard) asks for: ${scopes.map(escapeHtml).join(', ') || 'basic access'}.</p>
${error ? `<div class="alert error" role="alert">${escapeHtml(error)}</div>` : ''}
<form method="post" action="${escapeHtml(details.uid)}">
  <label for="username">User name <span class="hint">Any name: each one is a separate sandbox account.</span>
    <input id="username" name="username" type="text" value="${escapeHtml(account)}" autocomplete="username" required maxlength="64" pattern="[A-Za-z0-9._@\\-]{1,64}"></label>
  <div class="actions">
    <button type="submit" name="decision" value="allow" id="allow">Allow</button>
    <button type="submit" name="decision" value="deny" id="deny" class="secondary" formnovalidate>Deny</button>
  </div>
</form>
<footer>Switchboard sandbox — development only</footer>`;
  sendPage(res, error ? 400 : 200, renderPage({ title: 'Sandbox sign-in', nonce, body }), nonce);
}

async function handleMe(provider: Provider, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(req.headers.authorization ?? '');
  const token = match ? await provider.AccessToken.find(match[1]!) : undefined;
  if (!token || token.isExpired) {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
    return void res.end(JSON.stringify({ error: 'invalid_token', message: 'The access token is missing, unknown or expired.' }));
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ ...accountClaims(token.accountId), scope: token.scope ?? '', clientId: token.clientId }));
}

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#f5a300"/><path d="M14 44c6-16 12-24 18-24s12 8 18 24" fill="none" stroke="#1d2330" stroke-width="6" stroke-linecap="round"/><circle cx="32" cy="20" r="6" fill="#1d2330"/></svg>`;
