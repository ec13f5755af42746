// The hosted connect page (PUBLIC_URL/connect?token=…): lists a connect session's integrations and
// connects its end user to one, by the provider's sign-in (OAuth) or by a form (API key, basic),
// asking for the values a provider needs from the user (connectionConfig). Server-rendered, usable
// without JavaScript; a small nonce'd script only tells a popup's opener the outcome and closes it,
// or goes on to the session's redirectTo.
//
// The token is in the page's URL (as Nango's and Pipedream's hosted links do): responses carry
// no-referrer and no-store. During an OAuth round trip it waits in an HttpOnly cookie scoped to
// /connect, never in the database (which keeps only its hash).
import type http from 'node:http';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { CreateConnectionInput } from '../connections/import-input.js';
import { visibleConnectionsWhere, visibleIntegrationsWhere } from '../domain/access.js';
import type { Connection } from '../domain/connections.js';
import { integrationSettings, type Integration } from '../domain/integrations.js';
import type { Viewer } from '../domain/viewer.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { escapeHtml, newNonce, readForm, renderPage, scriptJson, sendPage } from '../html/page.js';
import { ForbiddenError, NotFoundError, ProviderError, SwitchboardError, ValidationError, type FieldError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { bindingCookie, callbackPathFor, newBrowserBinding } from '../oauth/browser-binding.js';
import type { StartConnectInput, StartConnectOptions, StartConnectResult } from '../oauth/connect.js';
import { typedInputsOf } from '../tokens/grants/two-step.js';
import { findConnectSessionGrant, type ConnectSessionGrant } from './token.js';

/** What the hosted page needs from the app: the flows it starts, and where it is served. */
export interface HostedPageDeps {
  prisma: PrismaClient;
  publicUrl: string;
  allowedRedirectOrigins: string[];
  startConnect(viewer: Viewer, input: StartConnectInput, options: StartConnectOptions): Promise<StartConnectResult>;
  createConnection(viewer: Viewer, input: CreateConnectionInput): Promise<Connection>;
  logger: Logger;
}

const COOKIE_PREFIX = 'sb_connect_';
/** How long the token waits in its cookie for the provider to send the browser back. */
const COOKIE_MAX_AGE_SECONDS = 15 * 60;
/** What the page posts to a popup's opener (the same message as the OAuth callback's page). */
const CONNECT_MESSAGE_TYPE = 'switchboard:connect';

type Outcome = ({ ok: true; connectionId: string; integrationName: string } | { ok: false; error: string; message: string }) & {
  /** The OAuth flow that ended, when there was one (the callback names it). */
  flowId?: string;
};

interface PageState {
  grant: ConnectSessionGrant;
  token: string;
  popup: boolean;
  /** Only this integration, by slug or id (the SDK's `integration` option). */
  only?: string;
  /** Errors and given values of the form last submitted. */
  submitted?: { integrationId: string; message: string; fieldErrors: FieldError[]; values: Record<string, string> };
}

function sessionViewer(grant: ConnectSessionGrant): Viewer {
  return { userId: grant.endUserId, isAdmin: false, via: 'connect-session', connectSession: grant };
}

function connectPath(deps: HostedPageDeps): string {
  return new URL(`${deps.publicUrl}/connect`).pathname;
}

/** GET and POST /connect (the page, and its forms), and GET /connect/return. */
export function hostedConnectPage(deps: HostedPageDeps) {
  return {
    handlePage: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => handleConnectPage(deps, req, res, url),
    handleReturn: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => handleConnectReturn(deps, req, res, url),
  };
}

/** GET /connect (the page) and POST /connect (a form on it). */
async function handleConnectPage(deps: HostedPageDeps, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const token = url.searchParams.get('token') ?? '';
    if (!token) return sendTokenMissing(res);
    const grant = await findConnectSessionGrant(deps.prisma, token);
    if (!grant) return sendExpired(res);
    return sendSessionPage(deps, res, 200, {
      grant,
      token,
      popup: url.searchParams.get('popup') === '1',
      only: url.searchParams.get('integration') || undefined,
    });
  }
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'GET, POST' }).end();
  // Only this page's own forms: another site's page must not submit a session token (its own) from the
  // victim's browser, which would connect the victim's provider account to the attacker's user.
  if (!isSameOriginForm(req, new URL(deps.publicUrl).origin)) {
    deps.logger.warn({ origin: req.headers.origin, secFetchSite: req.headers['sec-fetch-site'] }, 'cross-site connect form refused');
    return sendMessagePage(res, 403, 'Something went wrong', 'This form can only be sent from the connect page itself. Go back to the app and start again.');
  }

  const form = await readForm(req);
  if (!form) return sendMessagePage(res, 400, 'Something went wrong', 'The form could not be read. Go back and try again.');
  const token = form.get('token') ?? '';
  if (!token) return sendTokenMissing(res);
  const grant = await findConnectSessionGrant(deps.prisma, token);
  if (!grant) return sendExpired(res);
  const popup = form.get('popup') === '1';
  const only = form.get('only') || undefined;
  const viewer = sessionViewer(grant);
  const integration = await deps.prisma.integration.findFirst({ where: { AND: [{ id: form.get('integration') ?? '' }, visibleIntegrationsWhere(viewer)] } });
  if (!integration) return sendSessionPage(deps, res, 404, { grant, token, popup, only });

  const connectionConfig = Object.fromEntries(
    [...form.entries()]
      .filter(([key, value]) => key.startsWith('config.') && value.trim() !== '')
      .map(([key, value]) => [key.slice('config.'.length), value.trim()]),
  );
  try {
    if (integration.authType === 'OAUTH2' || integration.authType === 'OAUTH1') {
      // The provider sends the browser back to the callback, which sends it on to this page's return.
      const returnTo = `${deps.publicUrl}/connect/return?session=${encodeURIComponent(grant.id)}${popup ? '&popup=1' : ''}`;
      // This browser (the one that sent the form) is the one the callback will accept.
      const binding = newBrowserBinding();
      const started = await deps.startConnect(
        viewer,
        { integration: integration.id, connectionConfig, redirectTo: returnTo },
        { allowedRedirectOrigins: [new URL(deps.publicUrl).origin], browserBindingHash: binding.hash },
      );
      // A page that moves on to the provider rather than a 303: form-action 'self' holds for the whole
      // redirect chain of a form submission, and providers redirect on to hosts of their own.
      res.setHeader('set-cookie', [
        sessionCookie(deps, grant.id, token, COOKIE_MAX_AGE_SECONDS),
        bindingCookie(deps.publicUrl, callbackPathFor(integration.authType), started.flowId, binding.nonce),
      ]);
      return sendContinuePage(res, integration.name, started.authorizeUrl);
    }
    const connection = await deps.createConnection(viewer, {
      integration: integration.id,
      apiKey: typedInputs(integration).includes('apiKey') ? (form.get('apiKey') ?? '') : null,
      username: typedInputs(integration).includes('username') ? (form.get('username') ?? '') : null,
      password: typedInputs(integration).includes('password') ? (form.get('password') ?? '') : null,
      metadata: Object.keys(connectionConfig).length ? { connectionConfig } : null,
    });
    return sendOutcome(deps, res, grant, popup, { ok: true, connectionId: encodeGlobalID('Connection', connection.id), integrationName: integration.name });
  } catch (error) {
    if (!(error instanceof SwitchboardError)) throw error;
    const fieldErrors = error instanceof ValidationError ? error.fieldErrors : [];
    const message =
      error instanceof ProviderError
        ? `${integration.name} did not accept these credentials.`
        : error instanceof NotFoundError || error instanceof ForbiddenError
          ? error.message
          : fieldErrors.length
            ? 'Check the highlighted fields.'
            : error.message;
    deps.logger.info({ integration: integration.slug, code: error.code }, 'hosted connect refused');
    // Values are given back to the form, except secrets.
    const values = Object.fromEntries([...form.entries()].filter(([key]) => key.startsWith('config.') || key === 'username'));
    return sendSessionPage(deps, res, 422, { grant, token, popup, only, submitted: { integrationId: integration.id, message, fieldErrors, values } });
  }
}

/** GET /connect/return: where the OAuth callback sends the browser back, with the outcome in the query. */
async function handleConnectReturn(deps: HostedPageDeps, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
  const sessionId = url.searchParams.get('session') ?? '';
  const token = /^[\w-]{1,100}$/.test(sessionId) ? cookieValue(req.headers.cookie, `${COOKIE_PREFIX}${sessionId}`) : undefined;
  // A single-use session has just been used by the connect whose outcome this shows.
  const grant = token ? await findConnectSessionGrant(deps.prisma, token, { afterUse: true }) : null;
  if (!token || !grant || grant.id !== sessionId) return sendExpired(res);
  const popup = url.searchParams.get('popup') === '1';
  res.setHeader('set-cookie', sessionCookie(deps, grant.id, '', 0));
  const flowIdParameter = url.searchParams.get('flowId') ?? '';
  const flowId = /^[0-9a-f]{32}$/.test(flowIdParameter) ? flowIdParameter : undefined;
  if (url.searchParams.get('connect') === 'success') {
    // The connection must be the end user's own: a crafted URL cannot make the page announce another id.
    const connection = await findOwnConnection(deps, grant, url.searchParams.get('connectionId') ?? '');
    if (connection) {
      return sendOutcome(
        deps,
        res,
        grant,
        popup,
        { ok: true, connectionId: encodeGlobalID('Connection', connection.id), integrationName: connection.integration.name, flowId },
        token,
      );
    }
  }
  const error = /^[a-z_]{1,64}$/.test(url.searchParams.get('error') ?? '') ? url.searchParams.get('error')! : 'connect_failed';
  const message = error === 'access_denied' ? 'Access was not granted.' : 'The connection could not be completed.';
  return sendOutcome(deps, res, grant, popup, { ok: false, error, message, flowId }, token);
}

async function findOwnConnection(deps: HostedPageDeps, grant: ConnectSessionGrant, connectionId: string) {
  let id = connectionId;
  try {
    const decoded = decodeGlobalID(connectionId);
    if (decoded.typename === 'Connection') id = decoded.id;
  } catch {
    // a raw id
  }
  return deps.prisma.connection.findFirst({ where: { AND: [{ id }, visibleConnectionsWhere(sessionViewer(grant))] }, include: { integration: true } });
}

// ------------------------------------------------------------------------------------------ pages

async function sendSessionPage(deps: HostedPageDeps, res: http.ServerResponse, status: number, state: PageState): Promise<void> {
  const viewer = sessionViewer(state.grant);
  const all = await deps.prisma.integration.findMany({ where: visibleIntegrationsWhere(viewer), orderBy: { name: 'asc' } });
  const picked = state.only ? all.filter((integration) => integration.slug === state.only || integration.id === state.only) : [];
  // An unknown `integration` shows the whole list rather than nothing.
  const integrations = picked.length ? picked : all;
  const connections = await deps.prisma.connection.findMany({
    where: {
      AND: [visibleConnectionsWhere(viewer), { name: state.grant.connectionName, integrationId: { in: integrations.map((integration) => integration.id) } }],
    },
    select: { integrationId: true, status: true },
  });
  const statusOf = new Map(connections.map((connection) => [connection.integrationId, connection.status]));
  const nonce = newNonce();
  const items = integrations.map((integration) => integrationItem(integration, statusOf.get(integration.id), state, connectPath(deps))).join('\n');
  const body = `
<h1 id="title">Connect an account</h1>
<p>Choose a service to connect. What you enter goes to Switchboard and that service only.</p>
${integrations.length ? `<ul class="integrations" aria-labelledby="title">${items}</ul>` : '<div class="alert error" role="alert">There is nothing to connect here.</div>'}
<footer>This link works until <time datetime="${state.grant.expiresAt.toISOString()}">${escapeHtml(state.grant.expiresAt.toUTCString())}</time>.</footer>`;
  sendPage(res, status, renderPage({ title: 'Connect an account', nonce, body }), nonce);
}

function integrationItem(integration: Integration, status: string | undefined, state: PageState, formAction: string): string {
  const submitted = state.submitted?.integrationId === integration.id ? state.submitted : undefined;
  const errorFor = (field: string) => submitted?.fieldErrors.find((error) => error.field === field)?.message;
  const id = `i-${integration.id}`;
  const fields: string[] = [];
  for (const field of integrationSettings(integration).connectionConfig ?? []) {
    fields.push(
      inputField({
        id: `${id}-config-${field.name}`,
        name: `config.${field.name}`,
        label: field.name,
        hint: field.description + (field.example ? ` (e.g. ${field.example})` : ''),
        value: submitted?.values[`config.${field.name}`] ?? field.default ?? '',
        required: field.default === undefined,
        error: errorFor(`connectionConfig.${field.name}`) ?? errorFor(`metadata.connectionConfig.${field.name}`),
      }),
    );
  }
  const typed = typedInputs(integration);
  if (typed.includes('apiKey')) {
    fields.push(inputField({ id: `${id}-apiKey`, name: 'apiKey', label: 'API key', type: 'password', required: true, error: errorFor('apiKey') }));
  }
  if (typed.includes('username')) {
    fields.push(
      inputField({
        id: `${id}-username`,
        name: 'username',
        label: 'Username',
        value: submitted?.values.username ?? '',
        required: true,
        autocomplete: 'username',
        error: errorFor('username'),
      }),
    );
  }
  if (typed.includes('password')) {
    fields.push(
      inputField({
        id: `${id}-password`,
        name: 'password',
        label: 'Password',
        type: 'password',
        autocomplete: 'current-password',
        error: errorFor('password'),
      }),
    );
  }
  const connected = status === 'HEALTHY' || status === 'EXPIRED';
  const noun = integration.authType === 'API_KEY' ? 'API key' : 'credentials';
  const action = integration.authType === 'OAUTH2' ? `${connected ? 'Reconnect' : 'Connect'} ${integration.name}` : `${connected ? 'Replace' : 'Save'} ${noun}`;
  const statusText =
    ({ HEALTHY: 'Connected', EXPIRED: 'Connected (token being renewed)', ERROR: 'Needs reconnecting' } as Record<string, string>)[status ?? ''] ??
    'Not connected';
  return `<li class="integration" data-integration="${escapeHtml(integration.slug)}">
  <div class="integration-head">${logo(integration)}<div><h2 id="${id}-name">${escapeHtml(integration.name)}</h2><div class="status" id="${id}-status">${escapeHtml(statusText)}</div></div></div>
  ${submitted ? `<div class="alert error" role="alert" id="${id}-error">${escapeHtml(submitted.message)}</div>` : ''}
  <form method="post" action="${escapeHtml(formAction)}" aria-labelledby="${id}-name" aria-describedby="${id}-status">
    <input type="hidden" name="token" value="${escapeHtml(state.token)}">
    <input type="hidden" name="integration" value="${escapeHtml(integration.id)}">
    ${state.popup ? '<input type="hidden" name="popup" value="1">' : ''}${state.only ? `<input type="hidden" name="only" value="${escapeHtml(state.only)}">` : ''}
    ${fields.join('\n    ')}
    <button type="submit">${escapeHtml(action)}</button>
  </form>
</li>`;
}

function inputField(options: {
  id: string;
  name: string;
  label: string;
  hint?: string;
  value?: string;
  type?: 'text' | 'password';
  required?: boolean;
  autocomplete?: string;
  error?: string;
}): string {
  const described = [options.hint ? `${options.id}-hint` : '', options.error ? `${options.id}-error` : ''].filter(Boolean).join(' ');
  return `<label for="${options.id}">${escapeHtml(options.label)}${options.hint ? ` <span class="hint" id="${options.id}-hint">${escapeHtml(options.hint)}</span>` : ''}
      <input id="${options.id}" name="${escapeHtml(options.name)}" type="${options.type ?? 'text'}"${options.value ? ` value="${escapeHtml(options.value)}"` : ''}${options.required ? ' required' : ''} autocomplete="${options.autocomplete ?? 'off'}" spellcheck="false"${described ? ` aria-describedby="${described}"` : ''}${options.error ? ' aria-invalid="true" autofocus' : ''}>
      ${options.error ? `<span class="field-error" id="${options.id}-error">${escapeHtml(options.error)}</span>` : ''}</label>`;
}

function logo(integration: Integration): string {
  if (integration.logoUrl) return `<img class="logo" src="${escapeHtml(integration.logoUrl)}" alt="" width="36" height="36">`;
  return `<span class="logo logo-fallback" aria-hidden="true">${escapeHtml(integration.name.slice(0, 1).toUpperCase())}</span>`;
}

/** Success or failure: shown, told to a popup's opener, or carried to the session's redirectTo. */
function sendOutcome(deps: HostedPageDeps, res: http.ServerResponse, grant: ConnectSessionGrant, popup: boolean, outcome: Outcome, token?: string): void {
  const flow: Record<string, string> = outcome.flowId ? { flowId: outcome.flowId } : {};
  const message: Record<string, string> = outcome.ok
    ? { type: CONNECT_MESSAGE_TYPE, connect: 'success', connectionId: outcome.connectionId, ...flow }
    : { type: CONNECT_MESSAGE_TYPE, connect: 'error', error: outcome.error, ...flow };
  let next: string | null = null;
  if (grant.redirectTo) {
    const target = new URL(grant.redirectTo);
    for (const [key, value] of Object.entries(message)) if (key !== 'type') target.searchParams.set(key, value);
    next = target.toString();
  }
  const nonce = newNonce();
  const retry = !outcome.ok && token ? `${connectPath(deps)}?token=${encodeURIComponent(token)}${popup ? '&popup=1' : ''}` : null;
  const body = outcome.ok
    ? `<div class="result-icon" aria-hidden="true">✓</div><h1>Connected</h1>
<div class="alert success" role="status" id="outcome" data-connect="success" data-connection-id="${escapeHtml(outcome.connectionId)}">${escapeHtml(outcome.integrationName)} is connected.</div>`
    : `<div class="result-icon" aria-hidden="true">✕</div><h1>Not connected</h1>
<div class="alert error" role="alert" id="outcome" data-connect="error" data-error="${escapeHtml(outcome.error)}">${escapeHtml(outcome.message)}</div>`;
  const links = [
    next ? `<a class="button" id="continue" href="${escapeHtml(next)}">Continue</a>` : '',
    retry ? `<a class="button secondary" id="retry" href="${escapeHtml(retry)}">Try again</a>` : '',
  ].join('');
  const script = `(function () {
  var message = ${scriptJson(message)};
  var origins = ${scriptJson(deps.allowedRedirectOrigins)};
  var next = ${scriptJson(next)};
  if (${popup ? 'true' : 'false'} && window.opener) {
    // postMessage drops a message whose target origin differs from the opener's: only allowed origins hear it.
    for (var i = 0; i < origins.length; i++) { try { window.opener.postMessage(message, origins[i]); } catch (e) {} }
    setTimeout(function () { window.close(); }, ${outcome.ok ? 600 : 2500});
  } else if (next && message.connect === 'success') {
    window.location.replace(next);
  }
})();`;
  const after = links ? `<div class="actions">${links}</div>` : '<p>You can close this window.</p>';
  sendPage(res, 200, renderPage({ title: outcome.ok ? 'Connected' : 'Not connected', nonce, body: `${body}${after}`, script }), nonce);
}

function sendContinuePage(res: http.ServerResponse, name: string, authorizeUrl: string): void {
  const nonce = newNonce();
  const body = `<h1>Continuing to ${escapeHtml(name)}…</h1>
<p role="status">Sign in there to connect your account.</p>
<div class="actions"><a class="button" id="continue" href="${escapeHtml(authorizeUrl)}">Continue to ${escapeHtml(name)}</a></div>`;
  const html = renderPage({ title: `Continuing to ${name}`, nonce, body }).replace(
    '<meta name="referrer"',
    `<meta http-equiv="refresh" content="0;url=${escapeHtml(authorizeUrl)}">\n<meta name="referrer"`,
  );
  sendPage(res, 200, html, nonce);
}

function sendTokenMissing(res: http.ServerResponse): void {
  sendMessagePage(
    res,
    400,
    'This link has no token',
    'Open the connectUrl that createConnectSession returned: it ends in ?token=sbcs_… (a session token is missing here).',
  );
}

function sendExpired(res: http.ServerResponse): void {
  sendMessagePage(res, 401, 'This link has expired', 'Go back to the app and start connecting again.');
}

function sendMessagePage(res: http.ServerResponse, status: number, title: string, text: string): void {
  const nonce = newNonce();
  sendPage(
    res,
    status,
    renderPage({ title, nonce, body: `<h1>${escapeHtml(title)}</h1><div class="alert error" role="alert">${escapeHtml(text)}</div>` }),
    nonce,
  );
}

// ---------------------------------------------------------------------------------------- helpers

function sessionCookie(deps: HostedPageDeps, sessionId: string, token: string, maxAge: number): string {
  const secure = deps.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${COOKIE_PREFIX}${sessionId}=${token}; Path=${connectPath(deps)}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

/**
 * Whether a POST comes from a form on this origin. Sec-Fetch-Site decides where browsers send it; else
 * the Origin header (a same-origin form on a no-referrer page sends "null" there, but every browser that
 * does also sends Sec-Fetch-Site); a request with neither is not a browser's cross-site form.
 */
function isSameOriginForm(req: http.IncomingMessage, origin: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const from = req.headers.origin;
  if (from === undefined) return true;
  return from === origin;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** What the user types on this page for an integration: an API key, basic credentials, or a two-step entry's inputs. */
function typedInputs(integration: Pick<Integration, 'authType' | 'settings'>): readonly ('apiKey' | 'username' | 'password')[] {
  if (integration.authType === 'API_KEY') return ['apiKey'];
  if (integration.authType === 'BASIC') return ['username', 'password'];
  const request = integrationSettings(integration).tokenRequest;
  return integration.authType === 'TWO_STEP' && request ? typedInputsOf(request) : [];
}
