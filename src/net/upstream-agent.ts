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

let strictAgent: Agent | undefined;
let localAgent: Agent | undefined;
/** The agent for this moment's configuration (tests turn ALLOW_LOCAL_PROVIDERS off to check the refusal). */
export function upstreamAgent(): Agent {
  if (config.allowLocalProviders) return (localAgent ??= createUpstreamAgent({ allowLocal: true }));
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

