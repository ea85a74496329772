/** `host:port` of a store URL, for log lines: never the credentials or query parameters. */
export function storeAddress(url: string, defaultPort: number): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || defaultPort}`;
  } catch {
    return 'an unparsable URL';
  }
}
