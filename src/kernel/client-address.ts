// The client's address as a request shows it: the socket's peer, or, when that peer is one of
// TRUSTED_PROXIES, the last X-Forwarded-For hop that is not (a client cannot forge the hops added by
// proxies it does not control, only the ones to their left).
import { BlockList, isIP } from 'node:net';

export type TrustedProxies = (address: string) => boolean;

/** A matcher for addresses and CIDR ranges ("10.0.0.0/8", "::1"); an invalid entry throws. */
export function trustedProxiesFrom(entries: readonly string[]): TrustedProxies {
  if (!entries.length) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    if (!family) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range.`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(prefix), type);
  }
  return (candidate) => {
    const plain = candidate.startsWith('::ffff:') && isIP(candidate.slice(7)) === 4 ? candidate.slice(7) : candidate;
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

export function clientAddressOf(peer: string | undefined, forwardedFor: string | null | undefined, trusted: TrustedProxies): string | null {
  if (!peer) return null;
  let address = peer;
  if (!forwardedFor || !trusted(address)) return address;
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  while (hops.length && trusted(address)) {
    const next = hops.pop()!;
    if (!isIP(next)) break;
    address = next;
  }
  return address;
}
