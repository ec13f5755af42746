// The entry points for every request Switchboard sends out (token, discovery, revocation, userinfo,
// proxied calls): the address-checking agent, plus a guard that no database transaction is open
// in the caller's async context. A transaction held across a network call stalls every other query
// (PGlite has one connection, PostgreSQL a small pool) for as long as the provider takes.
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { config } from '../config.js';
import { isInsideTransaction } from '../db/transaction.js';
import { logger } from '../logger.js';
import { upstreamAgent, webhookAgent } from './upstream-agent.js';

/** A network call was made inside a database transaction: a bug, refused in development and tests. */
export class NetworkCallInTransactionError extends Error {
  override name = 'NetworkCallInTransactionError';
}

/** Throws (outside production) or logs (in production) when called inside transaction(). */
export function assertOutsideTransaction(what: string): void {
  if (!isInsideTransaction()) return;
  const message = `A network call (${what}) was made inside a database transaction.`;
  if (config.isProduction) {
    logger.error({ what }, message);
    return;
  }
  throw new NetworkCallInTransactionError(message);
}

/** undici's request through the upstream agent. */
export function upstreamRequest(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  assertOutsideTransaction(`${options.method} ${String(options.origin)}`);
  // The target decides the agent: the sandbox's own endpoints may be local (see isSandboxEndpoint).
  return upstreamAgent(`${String(options.origin)}${options.path}`).request(options);
}

/** fetch through the upstream agent (openid-client's custom fetch: token, discovery, revocation). */
export function upstreamFetch(url: string, options: Record<string, unknown> = {}): Promise<Response> {
  try {
    assertOutsideTransaction(`fetch ${new URL(url).origin}`);
  } catch (error) {
    return Promise.reject(error);
  }
  return undiciFetch(url, { ...options, dispatcher: upstreamAgent(url) } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
}

/** undici's request through the webhook agent (WEBHOOK_ALLOW_PRIVATE may lift the address check). */
export function webhookRequest(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  assertOutsideTransaction(`webhook ${options.method} ${String(options.origin)}`);
  return webhookAgent().request(options);
}
