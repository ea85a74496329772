import { WORKLOADS, type WorkloadName } from './workloads.ts';

export interface CountedGateway {
  fetch(request: Request): Promise<Response>;
}

/**
 * The gateway of the checkout at `root` as bench/instructions.ts counts it:
 * the instant upstream's Responses and Chat Completions models, over the Node
 * transport, observability off or tracing at `tracing` (`never`, or a rate)
 * exporting to `otlp`.
 */
export async function countedGateway(root: string, upstream: string, otlp: string, tracing?: string): Promise<CountedGateway> {
  const { defineConfig } = await import(`${root}/src/config/parse-config.ts`);
  const { createGateway } = await import(`${root}/src/gateway.ts`);
  const { NodeTransport } = await import(`${root}/src/adapters/node-transport.ts`);
  const { silentLogger } = await import(`${root}/src/observability/logger.ts`);
  const observability = tracing
    ? { metrics: { enabled: false }, tracing: { enabled: true, sampler: tracing === 'never' ? { type: 'never' } : { type: 'probability', rate: Number(tracing) }, exporter: { endpoint: otlp } } }
    : { enabled: false };
  const transport = new NodeTransport();
  return createGateway(
    defineConfig({
      providers: {
        instant: { type: 'openai', base_url: `${upstream}/instant/v1`, api_key: 'bench' },
        'instant-chat': { type: 'openai', api: 'chat_completions', base_url: `${upstream}/instant/v1`, api_key: 'bench' },
      },
      models: [
        { name: 'bench-instant', provider: 'instant' },
        { name: 'bench-chat', provider: 'instant-chat' },
      ],
      observability,
    }),
    { logger: silentLogger, fetch: transport.fetch, runtime: { name: 'nodejs', version: process.versions.node }, env: {} },
  );
}

/** One request of `workload`, its body read to the end; returns the body. Throws unless the answer is a 200. */
export async function requestOnce(gateway: CountedGateway, workload: WorkloadName): Promise<Uint8Array[]> {
  const { path, body } = WORKLOADS[workload];
  const response = await gateway.fetch(new Request(`http://gateway${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
  const chunks: Uint8Array[] = [];
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  if (response.status !== 200) throw new Error(`the gateway answered ${response.status}`);
  return chunks;
}
