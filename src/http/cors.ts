// CORS for /graphql and the path proxy: an allow-list of origins (CORS_ORIGINS), never a reflected
// Origin. Credentials travel in headers (a JWT or an API key), never cookies, so no
// Access-Control-Allow-Credentials is sent. And, without authentication, a guard against DNS
// rebinding: a page on another host name that resolves to this machine is not "dev".
import type http from 'node:http';
import { sendJson } from '../kernel/respond.js';

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
/** What the app's pages may send (the path proxy also passes the caller's allow-listed headers). */
const REQUEST_HEADER_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export interface CorsPolicy {
  /**
   * Adds the CORS answer headers for an allowed Origin; answers a preflight (OPTIONS with
   * Access-Control-Request-Method) itself. Returns true when the response has been sent.
   */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
}

export function corsPolicy(allowedOrigins: readonly string[]): CorsPolicy {
  const allowed = new Set(allowedOrigins);
  return {
    handle(req, res) {
      const origin = req.headers.origin;
      const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      if (origin === undefined) return false;
      res.setHeader('vary', 'Origin');
      if (!allowed.has(origin)) {
        if (!preflight) return false; // the browser withholds the answer from the page
        sendJson(res, 403, { error: 'FORBIDDEN', message: 'This origin is not allowed (CORS_ORIGINS).' });
        return true;
      }
      res.setHeader('access-control-allow-origin', origin);
      if (!preflight) {
        res.setHeader('access-control-expose-headers', 'retry-after, content-disposition');
        return false;
      }
      const requested = String(req.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => REQUEST_HEADER_PATTERN.test(name));
      res.writeHead(204, {
        'access-control-allow-methods': ALLOWED_METHODS,
        ...(requested.length ? { 'access-control-allow-headers': requested.join(', ') } : {}),
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
        'content-length': '0',
      });
      res.end();
      return true;
    },
  };
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

/**
 * Without authentication (development), only requests addressed to a loopback name or PUBLIC_URL's
 * host are served: DNS rebinding would otherwise let any web page act as the admin "dev".
 */
export function isDevelopmentHostAllowed(hostHeader: string | undefined, publicUrl: string): boolean {
  if (hostHeader === undefined) return false;
  if (LOOPBACK_HOST.test(hostHeader)) return true;
  return hostHeader.toLowerCase() === new URL(publicUrl).host.toLowerCase();
}
