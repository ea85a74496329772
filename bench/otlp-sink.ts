/**
 * An OTLP/HTTP receiver that accepts spans and discards them, so that the
 * benchmark includes the cost of exporting (serialising and sending) without
 * a collector's. Its own process: `node --import tsx bench/otlp-sink.ts PORT`.
 * It counts what it received, for the report: GET /stats.
 */
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ exports, bytes }));
    return;
  }
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    exports++;
    // An empty ExportTraceServiceResponse encodes to zero bytes.
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' }).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => console.log(JSON.stringify({ listening: (server.address() as { port: number }).port })));
