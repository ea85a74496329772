/**
 * Parsers for the human-friendly units used in config files. Each returns
 * `undefined` for input it cannot read so the schema can report the key path.
 */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/** Go-style durations ("500ms", "30s", "1h30m") or a number of seconds; returns milliseconds. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1_000 : undefined;
  const text = input.trim();
  if (text === '0') return 0;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const start = DURATION_PART.lastIndex;
    const match = DURATION_PART.exec(text);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * DURATION_UNITS[match[2]!]!;
  }
  return text.length > 0 ? total : undefined;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** Byte sizes: a number of bytes, or "512KiB", "10MiB", "1MB" (decimal), "10M" (binary). */
export function parseByteSize(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!match) return undefined;
  const unit = SIZE_UNITS[match[2]!.toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(match[1]) * unit);
}

export interface ListenAddress {
  hostname: string;
  port: number;
}

/** Go-style listen addresses: ":8080", "127.0.0.1:8080", "[::1]:8080", "localhost:0". */
export function parseAddress(input: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(input.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  const hostname = match[1] ?? (match[2] || '0.0.0.0');
  return { hostname, port };
}
