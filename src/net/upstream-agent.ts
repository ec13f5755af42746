// The undici agents for everything Switchboard sends out (API calls, token, discovery and revocation
// requests, webhooks): unless local targets are allowed, an agent refuses a socket whose remote
// address is not public, checked on the address actually connected to (so DNS rebinding fails too).
import { Agent, buildConnector } from 'undici';
import { isNonPublicAddress } from './addresses.js';

/** Refused at connect time: the address actually connected to is not public (DNS rebinding included). */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'ERR_BLOCKED_ADDRESS';
}

/** An undici Agent; unless `allowLocal`, it refuses sockets whose remote address is not public. */
export function createUpstreamAgent(options: { allowLocal: boolean; connectTimeoutMs: number }): Agent {
  const base = buildConnector({ timeout: options.connectTimeoutMs });
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
 * Whether a URL is under `sandboxBase` (the built-in sandbox provider of this very server,
 * PUBLIC_URL/sandbox/, development only), which may be on a loopback address: only that prefix.
 */
export function isUnderSandbox(target: string | URL, sandboxBase: URL | undefined): boolean {
  if (!sandboxBase) return false;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  // The parser has already removed dot segments, so a prefix match cannot be escaped with "..".
  return !url.username && !url.password && url.origin === sandboxBase.origin && url.pathname.startsWith(sandboxBase.pathname);
}
