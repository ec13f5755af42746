// Address classification for provider endpoints and proxied requests (OWASP SSRF prevention).
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/** Ranges that are never a public provider: loopback, private, link-local (metadata), CGNAT, ULA... */
const NON_PUBLIC_RANGES = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'carrierGradeNat',
  'private',
  'reserved',
  'uniqueLocal',
  'ipv4Mapped',
  'rfc6145',
  'rfc6052',
  '6to4',
  'teredo',
  'benchmarking',
  'amt',
  'as112',
  'as112v6',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
  'discard',
]);

/** Whether an IP address (v4 or v6, including IPv4-mapped IPv6) is not on the public internet. */
export function isNonPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return NON_PUBLIC_RANGES.has(parsed.range());
}

/** A URL's host as a resolver takes it: no IPv6 brackets, no trailing dots (`localhost.` is `localhost`), lower case. */
export function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
}

/** Names that are loopback by definition (RFC 6761 §6.3), whatever a resolver says. */
export const isLocalhostName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/** Whether a URL's host is an IP literal or name that is local by definition (trailing dots ignored). */
export function isLocalHostname(hostname: string): boolean {
  const host = bareHost(hostname);
  if (net.isIP(host)) return isNonPublicAddress(host);
  return isLocalhostName(host) || host.endsWith('.local') || host.endsWith('.internal');
}
