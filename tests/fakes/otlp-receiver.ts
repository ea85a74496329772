import { createRequire } from 'node:module';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

// The protobuf definitions OpenTelemetry JS shipped as generated code (otlp-transformer 0.216,
// installed under an alias as a dev dependency): what leaves the gateway is decoded, not trusted.
const root = createRequire(import.meta.url)('otlp-proto-defs/build/src/generated/root.js');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const ExportTraceServiceResponse = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

export type AttributeValue = string | number | boolean | AttributeValue[] | null;

/** A span as it arrived, with ids as hex and attributes as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER' | 'UNSPECIFIED';
  attributes: Record<string, AttributeValue>;
  events: Array<{ name: string; attributes: Record<string, AttributeValue> }>;
  status: { code: 'UNSET' | 'OK' | 'ERROR'; message: string };
  startNanos: bigint;
  endNanos: bigint;
  resource: Record<string, AttributeValue>;
}

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
const STATUS = ['UNSET', 'OK', 'ERROR'] as const;

/**
 * An OTLP/HTTP protobuf receiver (`POST /v1/traces`) that decodes every
 * export. `failWith` makes it answer an HTTP error instead.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly requests: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  failWith: number | undefined;
  private server: Server | undefined;
  private waiters = new Set<() => void>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', headers: req.headers });
        if (this.failWith) {
          res.writeHead(this.failWith).end();
          return;
        }
        if (req.method !== 'POST' || req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/x-protobuf') {
          res.writeHead(400).end();
          return;
        }
        this.record(ExportTraceServiceRequest.decode(Buffer.concat(chunks)));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(ExportTraceServiceResponse.encode({}).finish());
        for (const wake of this.waiters) wake();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  /** Resolves with the spans matching `predicate` once `count` of them have arrived. */
  waitFor(predicate: (span: ReceivedSpan) => boolean, count = 1, timeoutMs = 10_000): Promise<ReceivedSpan[]> {
    const found = () => this.spans.filter(predicate);
    if (found().length >= count) return Promise.resolve(found());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`only ${found().length} of ${count} expected spans within ${timeoutMs} ms; have: ${this.spans.map((s) => s.name).join(', ')}`));
      }, timeoutMs);
      const check = () => {
        if (found().length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found());
      };
      this.waiters.add(check);
    });
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private record(request: any): void {
    for (const resourceSpans of request.resourceSpans ?? []) {
      const resource = attributes(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: span.name,
            kind: KINDS[span.kind ?? 0] ?? 'UNSPECIFIED',
            attributes: attributes(span.attributes),
            events: (span.events ?? []).map((e: any) => ({ name: e.name, attributes: attributes(e.attributes) })),
            status: { code: STATUS[span.status?.code ?? 0] ?? 'UNSET', message: span.status?.message ?? '' },
            startNanos: BigInt(String(span.startTimeUnixNano)),
            endNanos: BigInt(String(span.endTimeUnixNano)),
            resource,
          });
        }
      }
    }
  }
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes && bytes.length > 0 ? Buffer.from(bytes).toString('hex') : '';
}

function attributes(list: any[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) out[kv.key] = value(kv.value);
  return out;
}

function value(v: any): AttributeValue {
  if (!v) return null;
  if (v.stringValue !== undefined && v.stringValue !== null && v.stringValue !== '') return v.stringValue;
  if (v.boolValue !== undefined && v.boolValue !== null && v.boolValue !== false) return v.boolValue;
  if (v.intValue !== undefined && v.intValue !== null && String(v.intValue) !== '0') return Number(String(v.intValue));
  if (v.doubleValue !== undefined && v.doubleValue !== null && v.doubleValue !== 0) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  // proto3 defaults: which oneof field was set is in the `value` discriminator.
  switch (v.value) {
    case 'boolValue':
      return false;
    case 'intValue':
      return 0;
    case 'doubleValue':
      return 0;
    case 'stringValue':
      return '';
    default:
      return null;
  }
}
