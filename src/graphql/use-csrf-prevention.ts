// CSRF prevention for /graphql. A browser sends a cross-site request without asking first (no CORS
// preflight) only when it is "simple": GET or POST with a form/text content type and no header of
// its own. Such a request is refused unless it carries a header a page cannot add without a
// preflight, which CORS_ORIGINS then governs: the CSRF header, or (on GET) the credentials
// themselves (Authorization, X-API-Key), which is how urql's default GET queries arrive.
import { createGraphQLError, type Plugin } from 'graphql-yoga';

const CSRF_HEADER = 'x-graphql-yoga-csrf';
/** Headers that prove a preflight happened: ours, and the one Apollo's clients are told to send. */
const PREFLIGHT_HEADERS = [CSRF_HEADER, 'apollo-require-preflight'];
/** Credentials are never CORS-safelisted headers: a GET carrying them was preflighted too. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key'];
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

function preflighted(request: Request): boolean {
  const contentType = request.headers.get('content-type')?.toLowerCase();
  if (contentType && !SIMPLE_CONTENT_TYPES.some((simple) => contentType.startsWith(simple))) return true;
  if (PREFLIGHT_HEADERS.some((name) => request.headers.has(name))) return true;
  return request.method === 'GET' && CREDENTIAL_HEADERS.some((name) => request.headers.has(name));
}

export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (preflighted(request)) return;
      throw createGraphQLError(
        request.method === 'GET'
          ? `Required CSRF header not present: send the header "X-GraphQL-Yoga-CSRF: 1" (any value), or your credentials (Authorization or X-API-Key), with a GET request.`
          : `Required CSRF header not present: send the body as application/json, or the header "X-GraphQL-Yoga-CSRF: 1" (any value).`,
        { extensions: { code: 'CSRF_HEADER_MISSING', http: { status: 403 } } },
      );
    },
  };
}
