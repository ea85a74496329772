/**
 * Where a floor sends each bench model: the same upstream paths as the
 * gateway's `bench-chat` and `bench-realistic-chat` models (bench/profiles/).
 */
export const FLOOR_ROUTES: Readonly<Record<string, string>> = {
  'bench-chat': '/instant/v1/chat/completions',
  'bench-realistic-chat': '/realistic/v1/chat/completions',
};

/** The gateway asks a Chat Completions upstream for usage on every stream (it meters tokens); so does a floor, so both get the same events. */
export function upstreamBody(body: { stream?: unknown; stream_options?: unknown }): string {
  if (body.stream === true) body.stream_options = { include_usage: true };
  return JSON.stringify(body);
}

export const NOT_FOUND = '{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}';
export const BAD_REQUEST = '{"error":{"message":"the body is not JSON","type":"invalid_request_error","param":null,"code":null}}';
export const BAD_GATEWAY = '{"error":{"message":"upstream failed","type":"api_error","param":null,"code":null}}';
