// The console at PUBLIC_URL/console: the built single-page app (dist/console, made by `npm run build`
// from console/) and its sign-in. Signing in exchanges an API key for an HttpOnly, SameSite=Strict
// cookie; the key itself never reaches the browser's storage. Every page is a URL of its own: paths
// that are not files answer the app's index.html, which routes in the browser.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { consoleCookieName, consoleTokenFrom, type ConsoleSessions } from '../auth/console-session.js';
import type { Route } from '../http/server.js';
import { readBody } from '../net/body.js';
import { AuthenticationError } from '../kernel/errors.js';
import { periodicJob, type Job } from '../kernel/jobs.js';
import type { Logger } from '../kernel/log.js';
import { sendJson } from '../kernel/respond.js';
import { projectRoot } from '../paths.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { API_KEY_SCOPES, viewerHasScope } from '../domain/scopes.js';
import type { Viewer } from '../domain/viewer.js';
import type { ConsoleSettings } from './settings.js';

const CONSOLE_DIR = path.join(projectRoot, 'dist', 'console');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** Only the console's own files, styles and scripts run; it talks to this server alone (HTTP and WebSocket). */
function contentSecurityPolicy(publicUrl: string): string {
  const origin = new URL(publicUrl);
  const socketOrigin = `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${socketOrigin}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** What the console knows of its session: who, until when, and what it may use (so its nav shows only that). */
function sessionBody(viewer: Viewer | null) {
  if (!viewer) return { signedIn: false };
  return {
    signedIn: true,
    userId: viewer.userId,
    via: viewer.via,
    expiresAt: new Date(viewer.expiresAt!).toISOString(),
    isAdmin: viewer.isAdmin,
    scopes: API_KEY_SCOPES.filter((scope) => viewerHasScope(viewer, scope)),
  };
}

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface ConsoleRouteDeps {
  sessions: ConsoleSessions;
  settings: ConsoleSettings;
  publicUrl: string;
  /** Cookies are Secure (and __Host- prefixed) in production. */
  secure: boolean;
  logger: Logger;
  /** Where the built app is; tests point it at their own build. */
  dir?: string;
}

/** The console's routes: its session API and its files. */
export function consoleRoutes(deps: ConsoleRouteDeps): Route[] {
  const dir = deps.dir ?? CONSOLE_DIR;
  const csp = contentSecurityPolicy(deps.publicUrl);
  const publicOrigin = new URL(deps.publicUrl).origin;
  const cookieName = consoleCookieName(deps.secure);
  const files = new Map<string, Buffer>();
  /** Hashed assets gzipped once, when first asked for (they never change under one name). */
  const gzipped = new Map<string, Buffer>();

  function cookie(value: string, maxAgeSeconds: number): string {
    return [`${cookieName}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`, ...(deps.secure ? ['Secure'] : [])].join('; ');
  }

  /** Sign-in and sign-out come from the console's own pages only (a cross-site form cannot sign a browser in or out). */
  function isSameOrigin(req: http.IncomingMessage): boolean {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    const origin = req.headers.origin;
    return origin === undefined ? site === 'same-origin' : origin === publicOrigin;
  }

  async function handleSession(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method === 'GET') {
      const token = consoleTokenFrom(req.headers.cookie ?? null, deps.secure);
      return sendJson(res, 200, sessionBody(token ? await deps.sessions.viewerOf(token) : null));
    }
    if (req.method !== 'POST' && req.method !== 'DELETE')
      return sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED', message: 'Use GET, POST or DELETE.' }, { allow: 'GET, POST, DELETE' });
    if (!isSameOrigin(req)) return sendJson(res, 403, { error: 'FORBIDDEN', message: 'Sign in from the console itself.' });
    if (req.method === 'DELETE') {
      const token = consoleTokenFrom(req.headers.cookie ?? null, deps.secure);
      if (token) await deps.sessions.end(token);
      return sendJson(res, 200, { signedIn: false }, { 'set-cookie': cookie('', 0) });
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendJson(res, 415, { error: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send application/json: {"apiKey": "…"}.' });
    }
    let apiKey: string | undefined;
    try {
      const read = await readBody(req, 16 * 1024);
      if (!read.complete) return sendJson(res, 413, { error: 'PAYLOAD_TOO_LARGE', message: 'The sign-in request is too large.' });
      const body = JSON.parse(read.bytes.toString('utf8')) as { apiKey?: unknown };
      if (body.apiKey !== undefined && body.apiKey !== null && body.apiKey !== '') {
        if (typeof body.apiKey !== 'string') throw new SyntaxError('apiKey must be a string');
        apiKey = body.apiKey.trim();
      }
    } catch {
      return sendJson(res, 400, { error: 'BAD_REQUEST', message: 'Send a JSON object: {"apiKey": "…"}.' });
    }
    try {
      const session = await deps.sessions.create({ apiKey }, deps.settings.sessionTtlSeconds);
      sendJson(res, 200, sessionBody({ ...session.viewer, expiresAt: session.expiresAt.getTime() }), {
        'set-cookie': cookie(session.token, deps.settings.sessionTtlSeconds),
      });
    } catch (error) {
      if (error instanceof AuthenticationError) return sendJson(res, 401, { error: 'UNAUTHENTICATED', message: error.message });
      throw error;
    }
  }

  function fileFor(pathname: string): { name: string; body: Buffer; type: string; immutable: boolean } | undefined {
    const relative = pathname.replace(/^\/console\/?/, '');
    const isAsset = relative.startsWith('assets/') && !relative.includes('..');
    const name = isAsset ? relative : 'index.html';
    let body = files.get(name);
    if (!body) {
      const file = path.join(dir, name);
      if (!file.startsWith(dir + path.sep)) return undefined;
      try {
        body = fs.readFileSync(file);
      } catch {
        return undefined;
      }
      files.set(name, body);
    }
    return { name, body, type: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream', immutable: isAsset };
  }

  /**
   * index.html carries the session as the console would ask for it (a <meta>, as the CSP allows no
   * inline script): the app starts without a round trip to learn whether it is signed in.
   */
  async function withSession(req: http.IncomingMessage, html: Buffer): Promise<Buffer> {
    const token = consoleTokenFrom(req.headers.cookie ?? null, deps.secure);
    const session = sessionBody(token ? await deps.sessions.viewerOf(token) : null);
    const meta = `<meta name="switchboard-session" content="${escapeAttribute(JSON.stringify(session))}" />`;
    return Buffer.from(html.toString('utf8').replace('</head>', `${meta}</head>`));
  }

  async function handleFile(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    if (url.pathname === '/console') return void res.writeHead(308, { location: '/console/' }).end();
    const file = fileFor(url.pathname);
    if (!file) {
      if (url.pathname.startsWith('/console/assets/')) return sendJson(res, 404, { error: 'NOT_FOUND', message: 'No such file.' });
      return sendJson(res, 503, { error: 'CONSOLE_NOT_BUILT', message: 'The console is not built: run `npm run build` (npm start builds it when stale).' });
    }
    const gzip = file.immutable && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    let body = file.immutable ? file.body : await withSession(req, file.body);
    if (gzip) {
      body = gzipped.get(file.name) ?? gzipped.set(file.name, gzipSync(file.body)).get(file.name)!;
    }
    res.writeHead(200, {
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...(file.immutable ? { vary: 'accept-encoding' } : {}),
      'content-type': file.type,
      'content-length': body.length,
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-store',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  return [
    { name: 'console', path: '/console', handle: handleFile },
    {
      name: 'console',
      prefix: '/console/',
      handle: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) =>
        url.pathname === '/console/api/session' ? handleSession(req, res) : handleFile(req, res, url),
    },
  ];
}

export function consoleSessionCleanupJob(prisma: PrismaClient, settings: ConsoleSettings, logger: Logger): Job {
  return periodicJob({
    name: 'console-session-cleanup',
    setting: 'CONSOLE_SESSION_CLEANUP_INTERVAL_SECONDS',
    intervalMs: settings.cleanupIntervalSeconds * 1000,
    logger,
    run: async () => {
      const { count } = await prisma.consoleSession.deleteMany({ where: { expiresAt: { lt: new Date() } } });
      if (count) logger.debug({ deleted: count }, 'expired console sessions deleted');
    },
  });
}
