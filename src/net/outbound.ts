// The one outbound HTTP layer: every request Switchboard sends out (token, discovery, revocation,
// userinfo, proxied calls, credential checks, webhooks) goes through an app's Outbound: undici agents
// with timeouts that check the address connected to, no redirects followed, and a guard that no
// database transaction is open in the caller's async context (a transaction held across a network
// call stalls every other query for as long as the provider takes).
import type { Agent, Dispatcher } from 'undici';
import type { Logger } from '../kernel/log.js';
import { requestFetch } from './request-fetch.js';
import { createUpstreamAgent, isUnderSandbox } from './upstream-agent.js';

/** A network call was made inside a database transaction: a bug, refused in development and tests. */
export class NetworkCallInTransactionError extends Error {
  override name = 'NetworkCallInTransactionError';
}

/** The largest answer a provider fetch (token, discovery, revocation) may give. */
const MAX_FETCH_RESPONSE_BYTES = 1024 * 1024;

export interface OutboundOptions {
  /** Provider endpoints may be on loopback and private addresses, over http (development and tests). */
  allowLocalProviders: boolean;
  /** Webhook endpoints may be on loopback and private addresses (WEBHOOK_ALLOW_PRIVATE). */
  allowPrivateWebhooks: boolean;
  /** The longest a TCP connection (and TLS handshake) may take. */
  connectTimeoutMs: number;
  /** PUBLIC_URL/sandbox/ while the sandbox provider is on: it may be local. */
  sandboxBase?: URL;
  /** Production logs a network call inside a transaction; elsewhere it is refused. */
  isProduction: boolean;
  isInsideTransaction: () => boolean;
  logger: Logger;
}

export interface Outbound {
  /** undici's request, to a provider. */
  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  /** fetch's contract over undici's request, to a provider (openid-client's custom fetch: token, discovery, revocation). */
  fetch(url: string, options?: Record<string, unknown>): Promise<Response>;
  /** undici's request, to a webhook endpoint. */
  webhookRequest(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  /** Whether a URL is on the built-in sandbox provider, which may be local. */
  isSandboxEndpoint(target: string | URL): boolean;
  close(): Promise<void>;
}

export function createOutbound(options: OutboundOptions): Outbound {
  let strict: Agent | undefined;
  let local: Agent | undefined;
  const strictAgent = () => (strict ??= createUpstreamAgent({ allowLocal: false, connectTimeoutMs: options.connectTimeoutMs }));
  const localAgent = () => (local ??= createUpstreamAgent({ allowLocal: true, connectTimeoutMs: options.connectTimeoutMs }));
  const isSandboxEndpoint = (target: string | URL) => isUnderSandbox(target, options.sandboxBase);
  // The target decides the agent: the sandbox's own endpoints may be local.
  const providerAgent = (origin: string | URL | undefined, path = '') => {
    if (options.allowLocalProviders) return localAgent();
    return options.sandboxBase && isSandboxEndpoint(`${String(origin)}${path}`) ? localAgent() : strictAgent();
  };

  /** `describe` names the call; only a call inside a transaction pays for the words. */
  function assertOutsideTransaction(describe: () => string): void {
    if (!options.isInsideTransaction()) return;
    const what = describe();
    const message = `A network call (${what}) was made inside a database transaction.`;
    if (options.isProduction) {
      options.logger.error({ what }, message);
      return;
    }
    throw new NetworkCallInTransactionError(message);
  }

  const providerFetch = requestFetch((request) => providerAgent(`${String(request.origin)}${request.path}`).request(request), MAX_FETCH_RESPONSE_BYTES);

  return {
    request(request) {
      assertOutsideTransaction(() => `${request.method} ${String(request.origin)}`);
      return providerAgent(request.origin, request.path).request(request);
    },
    fetch(url, init = {}) {
      try {
        assertOutsideTransaction(() => `fetch ${new URL(url).origin}`);
      } catch (error) {
        return Promise.reject(error);
      }
      return providerFetch(url, init as Parameters<typeof providerFetch>[1]);
    },
    webhookRequest(request) {
      assertOutsideTransaction(() => `webhook ${request.method} ${String(request.origin)}`);
      return (options.allowPrivateWebhooks || options.allowLocalProviders ? localAgent() : strictAgent()).request(request);
    },
    isSandboxEndpoint,
    async close() {
      const agents = [strict, local];
      strict = local = undefined;
      await Promise.allSettled(agents.map((agent) => agent?.close()));
    },
  };
}
