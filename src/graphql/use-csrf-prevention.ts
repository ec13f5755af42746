// CSRF prevention for /graphql. A forged cross-site request is a danger when it carries an ambient
// credential (a cookie: the console's session) or has a side effect. A browser sends a cross-site
// request without asking first (no CORS preflight) only when it is "simple": GET or POST with a
// form/text content type and no header of its own. So:
// - a POST must be JSON (which needs a preflight) or carry the CSRF header;
// - a GET is read-only here (a mutation over GET is 405), so it needs a preflight only when it
//   carries a cookie: one without a cookie gains a forger nothing (no ambient credential, and the
//   answer is unreadable cross-origin under CORS), which is how urql's default GET queries arrive.
//   A GET with a cookie needs the CSRF header or its own credentials (Authorization, X-API-Key),
//   which are never CORS-safelisted headers either. A GET a browser marks as cross-site
//   (Sec-Fetch-Site) needs them too: in development without authentication a request with no
//   credentials is the admin `dev`, and a query may still act (a credentials read refreshes a token
//   and is audited), so another site must not make a developer's browser send one.
import { createGraphQLError, type Plugin } from 'graphql-yoga';

const CSRF_HEADER = 'x-graphql-yoga-csrf';
/** Headers that prove a preflight happened: ours, and the one Apollo's clients are told to send. */
const PREFLIGHT_HEADERS = [CSRF_HEADER, 'apollo-require-preflight'];
/** Credentials are never CORS-safelisted headers: a request carrying them was preflighted too. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key'];
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

function safeFromForgery(request: Request): boolean {
  const contentType = request.headers.get('content-type')?.toLowerCase();
  if (contentType && !SIMPLE_CONTENT_TYPES.some((simple) => contentType.startsWith(simple))) return true;
  if (PREFLIGHT_HEADERS.some((name) => request.headers.has(name))) return true;
  if (request.method !== 'GET') return false;
  if (CREDENTIAL_HEADERS.some((name) => request.headers.has(name))) return true;
  return !request.headers.has('cookie') && request.headers.get('sec-fetch-site') !== 'cross-site';
}

export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (safeFromForgery(request)) return;
      throw createGraphQLError(
        request.method === 'GET'
          ? `Required CSRF header not present: a GET that carries cookies, or comes from another site, needs the header "X-GraphQL-Yoga-CSRF: 1" (any value), or your credentials (Authorization or X-API-Key).`
          : `Required CSRF header not present: send the body as application/json, or the header "X-GraphQL-Yoga-CSRF: 1" (any value).`,
        { extensions: { code: 'CSRF_HEADER_MISSING', http: { status: 403 } } },
      );
    },
  };
}
