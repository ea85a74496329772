/**
 * IP addresses and CIDR ranges as 16 bytes, IPv4 stored IPv4-mapped
 * (`::ffff:a.b.c.d`), so that one comparison covers an IPv4 peer, the same
 * peer as a dual-stack socket reports it, and IPv4 or IPv6 ranges.
 */

export interface Cidr {
  readonly bytes: Uint8Array;
  /** Prefix length over the 128-bit form (an IPv4 /24 is /120). */
  readonly prefix: number;
}

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseV4(text: string, into: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    // No leading zeros: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return false;
    const n = Number(part);
    if (n > 255) return false;
    into[at + i] = n;
  }
  return true;
}

function parseV6(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  // An IPv4 tail ("::ffff:1.2.3.4") fills the last two groups; it must be the very end.
  const end = halves.length === 2 ? tail : head;
  let v4Tail: string | undefined;
  if (end.at(-1)?.includes('.')) v4Tail = end.pop();
  const groupCount = head.length + tail.length + (v4Tail ? 2 : 0);
  if (halves.length === 1 ? groupCount !== 8 : groupCount > 7) return undefined;
  const write = (list: string[], start: number): boolean => {
    for (let i = 0; i < list.length; i++) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(list[i]!)) return false;
      const n = parseInt(list[i]!, 16);
      bytes[start + i * 2] = n >> 8;
      bytes[start + i * 2 + 1] = n & 0xff;
    }
    return true;
  };
  if (!write(head, 0)) return undefined;
  const tailStart = 16 - (v4Tail ? 4 : 0) - tail.length * 2;
  if (!write(tail, tailStart)) return undefined;
  if (v4Tail && !parseV4(v4Tail, bytes, 12)) return undefined;
  return bytes;
}

/** An address in either family as 16 bytes; undefined when it is not one. A zone (`%eth0`) is ignored. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  if (text.includes(':')) {
    const zone = text.indexOf('%');
    return parseV6(zone >= 0 ? text.slice(0, zone) : text);
  }
  const bytes = new Uint8Array(16);
  bytes.set(V4_MAPPED_PREFIX);
  return parseV4(text, bytes, 12) ? bytes : undefined;
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addressText = slash >= 0 ? text.slice(0, slash) : text;
  const bytes = parseIp(addressText);
  if (!bytes) return undefined;
  const v4 = !addressText.includes(':');
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > max) return undefined;
  }
  return { bytes, prefix: v4 ? prefix + 96 : prefix };
}

export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((cidr.bytes[i]! & mask) !== (address[i]! & mask)) return false;
  }
  return true;
}

export function isV4Mapped(address: Uint8Array): boolean {
  for (let i = 0; i < 12; i++) if (address[i] !== V4_MAPPED_PREFIX[i]) return false;
  return true;
}

/** Dotted quad for IPv4 (mapped or not), else eight uncompressed lowercase hex groups. */
export function formatIp(address: Uint8Array): string {
  if (isV4Mapped(address)) return `${address[12]}.${address[13]}.${address[14]}.${address[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address[i]! << 8) | address[i + 1]!).toString(16));
  return groups.join(':');
}
