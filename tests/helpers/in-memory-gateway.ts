import { defineConfig } from '../../src/config/parse-config.ts';
import { createGateway, type Gateway, type GatewayDeps } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';

export interface TestGateway {
  gateway: Gateway;
  /** Parsed JSON log lines written so far. */
  logs: Array<Record<string, any>>;
  request(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** A gateway driven in memory through its fetch function, with its logs captured. */
export function testGateway(config: Record<string, unknown> = {}, deps: GatewayDeps = {}): TestGateway {
  const logs: Array<Record<string, any>> = [];
  const logger = createLogger({ level: 'debug', format: 'json', sink: (line) => logs.push(JSON.parse(line)) });
  const gateway = createGateway(defineConfig(config), { logger, ...deps });
  const request = (path: string, init?: RequestInit) => gateway.fetch(new Request(`http://gateway.test${path}`, init));
  return {
    gateway,
    logs,
    request,
    post: (path, body, headers = {}) =>
      request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
}

/** A config with the mock model plus variants that are slow, fail or stream many chunks. */
export const MOCK_MODELS = {
  providers: {
    mock: { type: 'mock' },
    slow: { type: 'mock', chunks: 40, chunk_delay_ms: 50 },
    failing: { type: 'mock', chunks: 6, fail_after_chunks: 3 },
    twenty: { type: 'mock', chunks: 20 },
  },
  models: [
    { name: 'mock', provider: 'mock', aliases: ['mock-alias'] },
    { name: 'slow', provider: 'slow' },
    { name: 'failing', provider: 'failing' },
    { name: 'twenty', provider: 'twenty' },
  ],
};
