// The HTTP agent for everything Switchboard sends to providers (API calls, and token, discovery and
// revocation requests): unless local providers are allowed, it refuses a socket whose remote address
// is not public, checked on the address actually connected to (so DNS rebinding fails too).
import { Agent, buildConnector } from 'undici';
import { config } from '../config.js';
import { isNonPublicAddress } from './addresses.js';

/** Refused at connect time: the address actually connected to is not public (DNS rebinding included). */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'ERR_BLOCKED_ADDRESS';
}

/** An undici Agent; unless `allowLocal`, it refuses sockets whose remote address is not public. */
export function createUpstreamAgent(options: { allowLocal: boolean }): Agent {
  const connectTimeout = Math.min(config.proxy.timeoutMs, 10_000);
  const base = buildConnector({ timeout: connectTimeout });
  const connect: buildConnector.connector = options.allowLocal
    ? base
    : (connectOptions, callback) =>
        base(connectOptions, (error, socket) => {
          if (error) return callback(error, null);
          const address = socket.remoteAddress;
          if (!address || isNonPublicAddress(address)) {
            socket.destroy();
            return callback(new BlockedAddressError(`Refused to connect to a non-public address for ${connectOptions.hostname}.`), null);
          }
          callback(null, socket);
        });
  return new Agent({ connect, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
}

/**
 * Whether a URL is on the built-in sandbox provider of this very server (PUBLIC_URL/sandbox/…), which
 * development allows even on a loopback address: only that prefix, only while the sandbox is on (never
 * in production). Every other provider keeps the address check.
 */
export function isSandboxEndpoint(target: string | URL): boolean {
  if (!config.sandbox.enabled) return false;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  const base = new URL(`${config.publicUrl}/sandbox/`);
  // The parser has already removed dot segments, so a prefix match cannot be escaped with "..".
  return !url.username && !url.password && url.origin === base.origin && url.pathname.startsWith(base.pathname);
}

let strictAgent: Agent | undefined;
let localAgent: Agent | undefined;
/**
 * The agent for this moment's configuration (tests turn ALLOW_LOCAL_PROVIDERS off to check the
 * refusal) and, when given, the target: the sandbox's own endpoints may be local.
 */
export function upstreamAgent(target?: string | URL): Agent {
  if (config.allowLocalProviders || (target !== undefined && isSandboxEndpoint(target))) return (localAgent ??= createUpstreamAgent({ allowLocal: true }));
  return (strictAgent ??= createUpstreamAgent({ allowLocal: false }));
}

/**
 * The agent for webhook deliveries: the same address check, lifted by WEBHOOK_ALLOW_PRIVATE (an
 * admin's choice for endpoints on an internal network) or, in development and tests, ALLOW_LOCAL_PROVIDERS.
 */
export function webhookAgent(): Agent {
  if (config.webhooks.allowPrivate) return (localAgent ??= createUpstreamAgent({ allowLocal: true }));
  return upstreamAgent();
}

export async function closeUpstreamAgents(): Promise<void> {
  const agents = [strictAgent, localAgent];
  strictAgent = localAgent = undefined;
  await Promise.allSettled(agents.map((agent) => agent?.close()));
}

