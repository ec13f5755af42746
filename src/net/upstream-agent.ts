// The undici agents for everything Switchboard sends out (API calls, token, discovery and revocation
// requests, webhooks). Unless local targets are allowed, an agent checks the address before any TCP
// connection or TLS handshake: an IP literal is checked as it is; a name is resolved once (the system
// resolver, so /etc/hosts counts), every address it resolves to is checked, and the socket connects
// to a checked address (the lookup hands only those to the socket: there is no second resolution).
// TLS runs on that socket with the original name for SNI and the certificate check. The address of
// the connected socket is checked again, as a last line.
import dns from 'node:dns';
import net from 'node:net';
import { Agent, buildConnector } from 'undici';
import { bareHost, isLocalhostName, isNonPublicAddress } from './addresses.js';

/** Refused before connecting: the target is, or resolves to, an address that is not public. */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'ERR_BLOCKED_ADDRESS';
}

/** How a name is resolved: every address, as `dns.lookup(name, { all: true })` answers. */
export type ResolveAll = (hostname: string) => Promise<dns.LookupAddress[]>;

const systemResolveAll: ResolveAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * The public addresses `hostname` stands for; a BlockedAddressError when it is, or any of the addresses
 * it resolves to is, not public (a name that mixes public and private answers is refused whole).
 */
export async function checkedAddresses(hostname: string, resolveAll: ResolveAll = systemResolveAll): Promise<dns.LookupAddress[]> {
  const host = bareHost(hostname);
  const blocked = () => new BlockedAddressError(`Refused to connect to a non-public address for ${hostname}.`);
  const family = net.isIP(host);
  if (family) {
    if (isNonPublicAddress(host)) throw blocked();
    return [{ address: host, family }];
  }
  if (!host || isLocalhostName(host)) throw blocked();
  const addresses = await resolveAll(host);
  if (addresses.length === 0 || addresses.some(({ address }) => isNonPublicAddress(address))) throw blocked();
  return addresses;
}

/** A `lookup` for net/tls.connect that answers only with checked addresses (both its one-address and `all` forms). */
function checkedLookup(resolveAll: ResolveAll): net.LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(hostname, resolveAll).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter(({ family }) => family === options.family) : addresses;
        if (wanted.length === 0) {
          const error = Object.assign(new Error(`No IPv${String(options.family)} address for ${hostname}.`), { code: 'ENOTFOUND' });
          return callback(error, '', 0);
        }
        if (options.all) return (callback as unknown as (error: null, addresses: dns.LookupAddress[]) => void)(null, wanted);
        callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

export interface UpstreamAgentOptions {
  allowLocal: boolean;
  connectTimeoutMs: number;
  /** The resolver (tests); the system's by default. */
  resolveAll?: ResolveAll;
}

/** An undici Agent; unless `allowLocal`, it connects only to public addresses, checked before connecting. */
export function createUpstreamAgent(options: UpstreamAgentOptions): Agent {
  if (options.allowLocal) return new Agent({ connect: buildConnector({ timeout: options.connectTimeoutMs }), ...KEEP_ALIVE });
  const resolveAll = options.resolveAll ?? systemResolveAll;
  const base = buildConnector({ timeout: options.connectTimeoutMs, lookup: checkedLookup(resolveAll) } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (connectOptions, callback) => {
    const host = bareHost(connectOptions.hostname);
    // net.connect skips `lookup` for an IP literal: check it here, before any socket exists.
    if (net.isIP(host) && isNonPublicAddress(host)) {
      return callback(new BlockedAddressError(`Refused to connect to a non-public address for ${connectOptions.hostname}.`), null);
    }
    // A name is resolved by the lookup above; the resolver gets it without trailing dots.
    base({ ...connectOptions, hostname: net.isIP(host) ? host : connectOptions.hostname }, (error, socket) => {
      if (error) return callback(error, null);
      const address = socket.remoteAddress;
      if (!address || isNonPublicAddress(address)) {
        socket.destroy();
        return callback(new BlockedAddressError(`Refused to connect to a non-public address for ${connectOptions.hostname}.`), null);
      }
      callback(null, socket);
    });
  };
  return new Agent({ connect, ...KEEP_ALIVE });
}

const KEEP_ALIVE = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 };

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
