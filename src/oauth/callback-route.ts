// GET /oauth2/callback (and /oauth1/callback for OAuth 1.0a): the provider sends the browser here. It answers with a 303 to the
// redirectTo of the flow (outcome in the query, never the code), or a small page that tells a
// popup's opener the outcome and closes itself.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { completeAuthorization, type CallbackOutcome } from './connect.js';
import { bindingCookie, bindingHashFromRequest } from './browser-binding.js';
import type { FlowDeps } from './flow-deps.js';
import { completeOAuth1Authorization } from './oauth1.js';

const SECURITY_HEADERS = {
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

export function callbackHandler(deps: FlowDeps) {
  return (req: http.IncomingMessage, res: http.ServerResponse, requestUrl: URL) => handleCallback(deps, req, res, requestUrl);
}

async function handleCallback(deps: FlowDeps, req: http.IncomingMessage, res: http.ServerResponse, requestUrl: URL): Promise<void> {
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET', ...SECURITY_HEADERS }).end();
    return;
  }
  // The URL the provider redirected to, as registered: PUBLIC_URL plus the query.
  const oauth1 = requestUrl.pathname === '/oauth1/callback';
  const callbackPath = oauth1 ? '/oauth1/callback' : '/oauth2/callback';
  const callback = new URL(`${deps.publicUrl}${callbackPath}${requestUrl.search}`);
  // The flow is consumed only by the browser that started it: its binding cookie (browser-binding.ts).
  const key = callback.searchParams.get(oauth1 ? 'oauth_token' : 'state');
  const bindingHash = key ? bindingHashFromRequest(req, key) : null;
  const outcome = oauth1 ? await completeOAuth1Authorization(deps, callback, bindingHash) : await completeAuthorization(deps, callback, bindingHash);
  const result = resultMessage(outcome);
  // The cookie has done its work once the flow is settled (a refusal for another browser leaves it alone).
  if (bindingHash && outcome.flowId) res.setHeader('set-cookie', bindingCookie(deps.publicUrl, callbackPath, outcome.flowId, '', 0));

  if (outcome.redirectTo) {
    const target = new URL(outcome.redirectTo);
    for (const [key, value] of Object.entries(result)) if (key !== 'type' && value) target.searchParams.set(key, value);
    res.writeHead(303, { location: target.toString(), ...SECURITY_HEADERS }).end();
    return;
  }
  const nonce = randomBytes(16).toString('base64');
  const html = resultPage(result, outcome.ok ? 'Connected. You can close this window.' : outcome.message, nonce, deps.settings.allowedRedirectOrigins);
  res.writeHead(outcome.ok ? 200 : 400, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    ...SECURITY_HEADERS,
  });
  res.end(html);
}

function resultMessage(outcome: CallbackOutcome): Record<string, string> {
  // flowId lets the app accept only outcomes of flows it started itself (see docs/security.md).
  return outcome.ok
    ? { type: 'switchboard:connect', connect: 'success', connectionId: encodeGlobalID('Connection', outcome.connection.id), flowId: outcome.flowId }
    : { type: 'switchboard:connect', connect: 'error', error: outcome.error, ...(outcome.flowId ? { flowId: outcome.flowId } : {}) };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028|\u2029/g, '');
}

function resultPage(result: Record<string, string>, message: string, nonce: string, allowedOrigins: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Switchboard</title>
<style nonce="${nonce}">body{font:16px system-ui,sans-serif;display:grid;place-items:center;height:90vh;color:#222}</style>
</head><body><p id="message">${escapeHtml(message)}</p>
<script nonce="${nonce}">
(function () {
  var result = ${scriptJson(result)};
  var origins = ${scriptJson(allowedOrigins)};
  if (window.opener) {
    // postMessage drops a message whose target origin differs from the opener's: only allowed origins hear it.
    for (var i = 0; i < origins.length; i++) { try { window.opener.postMessage(result, origins[i]); } catch (e) {} }
    setTimeout(function () { window.close(); }, 50);
  }
})();
</script></body></html>`;
}
