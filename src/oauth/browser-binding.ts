// Browser binding for every browser flow (OAuth 2.0, OAuth 1.0a, GitHub App installs): the browser that
// starts a flow gets a random nonce in an HttpOnly, SameSite=Lax cookie scoped to the flow's callback
// path; the pending flow keeps only its hash, and the callback consumes the flow only when the cookie
// matches. A flow link handed to someone else, or a provider redirect replayed in another browser,
// then finishes nothing.
//
// Two ways to bind: the hosted connect page binds the browser that submits its form (same origin);
// startConnect over GraphQL (often called by a backend, or by a frontend on another origin, where a
// cookie cannot be set) hands out a begin link on PUBLIC_URL instead, which binds the first browser
// that opens it and sends it on to the provider.
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { Database } from '../db/database.js';
import { escapeHtml, newNonce, renderPage, sendPage } from '../html/page.js';
import type { Logger } from '../kernel/log.js';
import { flowIdOf, hashState } from './pending.js';

const COOKIE_PREFIX = 'sb_flow_';
/** As long as a pending flow lives (pending.ts). */
const COOKIE_MAX_AGE_SECONDS = 10 * 60;
const BEGIN_PATH = '/oauth/begin';

export interface BrowserBinding {
  /** The cookie's value: only the browser has it. */
  nonce: string;
  /** What the pending flow records. */
  hash: string;
}

export function newBrowserBinding(): BrowserBinding {
  const nonce = randomBytes(32).toString('base64url');
  return { nonce, hash: hashBindingNonce(nonce) };
}

function hashBindingNonce(nonce: string): string {
  return createHash('sha256').update(`browser-binding:${nonce}`).digest('hex');
}

/** The callback path a flow of this auth type returns to (GitHub's Setup URL is the OAuth 2.0 callback). */
export function callbackPathFor(authType: string): '/oauth2/callback' | '/oauth1/callback' {
  return authType === 'OAUTH1' ? '/oauth1/callback' : '/oauth2/callback';
}

/** The Set-Cookie header that binds this browser to the flow named `flowId` (maxAge 0 clears it). */
export function bindingCookie(publicUrl: string, callbackPath: string, flowId: string, nonce: string, maxAge = COOKIE_MAX_AGE_SECONDS): string {
  const path = new URL(`${publicUrl}${callbackPath}`).pathname;
  const secure = publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${COOKIE_PREFIX}${flowId}=${nonce}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

/** The binding hash the request's cookies prove for the flow keyed by `key`; null without the cookie. */
export function bindingHashFromRequest(req: http.IncomingMessage, key: string): string | null {
  const name = `${COOKIE_PREFIX}${flowIdOf(hashState(key))}`;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [cookieName, ...value] = part.trim().split('=');
    if (cookieName === name && value.length) {
      const nonce = value.join('=');
      return /^[\w-]{43}$/.test(nonce) ? hashBindingNonce(nonce) : null;
    }
  }
  return null;
}

/** The begin link of an unbound flow keyed by `key` (a state, or an OAuth 1.0a request token). */
function beginUrl(publicUrl: string, key: string): string {
  return `${publicUrl}${BEGIN_PATH}?flow=${encodeURIComponent(key)}`;
}

/** Where startConnect sends the browser: straight to the provider when a browser is bound already (the hosted page), else the begin link that binds one. */
export function flowLink(deps: { publicUrl: string }, flow: { browserBindingHash: string | null }, key: string, providerUrl: string): string {
  return flow.browserBindingHash ? providerUrl : beginUrl(deps.publicUrl, key);
}

const PAGE_HEADERS = { 'referrer-policy': 'no-referrer', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/**
 * GET /oauth/begin?flow=…: binds the browser that opens it to the flow (once: a second browser, or the
 * same link opened again, is refused) and sends it to the provider with a 303.
 */
export function beginHandler(deps: { db: Database; publicUrl: string; logger: Logger }) {
  return async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET', ...PAGE_HEADERS }).end();
    const key = url.searchParams.get('flow') ?? '';
    const stateHash = hashState(key);
    const binding = newBrowserBinding();
    const { count } = key
      ? await deps.db.prisma.pendingAuthorization.updateMany({
          where: { stateHash, consumedAt: null, expiresAt: { gt: new Date() }, browserBindingHash: null, authorizeUrl: { not: null } },
          data: { browserBindingHash: binding.hash },
        })
      : { count: 0 };
    const pending =
      count === 1
        ? await deps.db.prisma.pendingAuthorization.findUnique({
            where: { stateHash },
            select: { authorizeUrl: true, integration: { select: { authType: true } } },
          })
        : null;
    if (!pending?.authorizeUrl) {
      deps.logger.info('flow begin link refused: unknown, expired or already opened');
      const nonce = newNonce();
      const title = 'This link cannot be used';
      const body = `<h1>${escapeHtml(title)}</h1><div class="alert error" role="alert" id="outcome" data-error="flow_unavailable">This sign-in link has expired or was already opened. Go back to the app and start connecting again.</div>`;
      return sendPage(res, 400, renderPage({ title, nonce, body }), nonce);
    }
    // The key goes back where the provider expects it (stored without it: the database keeps only its hash).
    const location = new URL(pending.authorizeUrl);
    location.searchParams.set(pending.integration.authType === 'OAUTH1' ? 'oauth_token' : 'state', key);
    res.writeHead(303, {
      location: location.href,
      'set-cookie': bindingCookie(deps.publicUrl, callbackPathFor(pending.integration.authType), flowIdOf(stateHash), binding.nonce),
      ...PAGE_HEADERS,
    });
    res.end();
  };
}
