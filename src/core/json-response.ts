const encoder = new TextEncoder();

/**
 * A JSON response with its Content-Length set, so the response size is known
 * (metrics) without reading the body again.
 */
export function jsonResponse(value: unknown, status = 200, headers?: Record<string, string> | [string, string][]): Response {
  const body = encoder.encode(JSON.stringify(value));
  const all = new Headers(headers);
  all.set('content-type', 'application/json');
  all.set('content-length', String(body.byteLength));
  return new Response(body, { status, headers: all });
}
