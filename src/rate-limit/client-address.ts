import { cidrContains, formatIp, isV4Mapped, parseCidr, parseIp, type Cidr } from '../net/ip-address.ts';

/** At most this many X-Forwarded-For hops are looked at; a longer chain is cut, not walked. */
const MAX_HOPS = 32;
const MAX_HEADER_LENGTH = 4096;

/** "1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443" or "2001:db8::1" → the address's bytes. */
function parseHop(text: string): Uint8Array | undefined {
  const hop = text.trim();
  if (hop.startsWith('[')) {
    const end = hop.indexOf(']');
    return end > 0 ? parseIp(hop.slice(1, end)) : undefined;
  }
  const colon = hop.indexOf(':');
  // One colon: IPv4 with a port. More: an IPv6 address without brackets.
  if (colon >= 0 && hop.indexOf(':', colon + 1) < 0) return parseIp(hop.slice(0, colon));
  return parseIp(hop);
}

/**
 * Who an anonymous caller is, for its rate limit: the socket's peer address,
 * or, when that peer is a trusted proxy, the address the proxies recorded in
 * `X-Forwarded-For`. The list is walked from the right (the hop our peer
 * added) leftwards past trusted proxies; the first address that is not a
 * trusted proxy is the client. Entries left of it are whatever the client
 * wrote, and are never believed. IPv6 clients are limited per /64, the block
 * one subscriber usually holds, so that walking through its addresses gains
 * nothing.
 */
export function clientAddressResolver(trustedProxies: readonly string[]): (peer: string | undefined, forwardedFor: string | null) => string {
  const trusted: Cidr[] = trustedProxies.map((text) => parseCidr(text)!);
  const isTrusted = (address: Uint8Array) => trusted.some((cidr) => cidrContains(cidr, address));

  return function resolveClientAddress(peer, forwardedFor) {
    let client = peer === undefined ? undefined : parseHop(peer);
    if (!client) return 'unknown';
    if (trusted.length > 0 && forwardedFor && forwardedFor.length <= MAX_HEADER_LENGTH && isTrusted(client)) {
      const hops = forwardedFor.split(',');
      for (let i = hops.length - 1, seen = 0; i >= 0 && seen < MAX_HOPS && isTrusted(client); i--, seen++) {
        const hop = parseHop(hops[i]!);
        // A hop a trusted proxy wrote that is not an address: stop at the last one we can vouch for.
        if (!hop) break;
        client = hop;
      }
    }
    return limitKey(client);
  };
}

function limitKey(address: Uint8Array): string {
  if (isV4Mapped(address)) return formatIp(address);
  const block = new Uint8Array(16);
  block.set(address.subarray(0, 8));
  return `${formatIp(block)}/64`;
}
