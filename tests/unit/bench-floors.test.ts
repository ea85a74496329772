import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { handle } from '../../bench/fake-upstream.ts';
import { reencodeEvents } from '../../bench/floors/sse.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'node_modules', '.bin');
const FLOORS: Record<string, [string, string[]]> = {
  node: [process.execPath, ['--import', 'tsx', 'bench/floors/node.ts']],
  bun: [join(BIN, 'bun'), ['bench/floors/bun.ts']],
  deno: [join(BIN, 'deno'), ['run', '-A', 'bench/floors/deno.ts']],
};

describe('bench floors: SSE re-encoding', () => {
  test('each complete event is parsed and serialised again; an incomplete one is kept for the next chunk', () => {
    const { out, rest, events } = reencodeEvents('data: { "a" : 1 }\n\ndata: [DONE]\n\n: comment\n\ndata: {"b"');
    assert.equal(out, 'data: {"a":1}\n\ndata: [DONE]\n\n: comment\n\n');
    assert.equal(rest, 'data: {"b"');
    assert.equal(events, 3);
    assert.deepEqual(reencodeEvents(`${rest}:2}\n\n`), { out: 'data: {"b":2}\n\n', rest: '', events: 1 });
    assert.deepEqual(reencodeEvents('data: {"c":'), { out: '', rest: 'data: {"c":', events: 0 });
  });
});

/** Each floor, on its own runtime, proxies a JSON and a streamed Chat Completions call through the bench's fake upstream. */
describe('bench floors: each runtime proxies Chat Completions', () => {
  let upstream: Server;
  const children: ChildProcess[] = [];
  before(async () => {
    upstream = createServer(handle);
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  for (const [runtime, [command, args]] of Object.entries(FLOORS)) {
    test(runtime, async () => {
      const child = spawn(command, args, {
        cwd: ROOT,
        env: { ...process.env, PORT: '0', BENCH_UPSTREAM: `http://127.0.0.1:${(upstream.address() as { port: number }).port}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          const match = /\{"listening":(\d+)\}/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`${runtime} floor exited with ${code}`)));
      });
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
      const messages = [{ role: 'user' as const, content: 'x' }];
      const completion = await client.chat.completions.create({ model: 'bench-chat', messages });
      assert.equal(completion.choices[0]!.message.content, Array.from({ length: 20 }, () => 'word').join(' '));
      assert.equal(completion.usage?.completion_tokens, 20);
      let text = '';
      let chunks = 0;
      let usage;
      for await (const chunk of await client.chat.completions.create({ model: 'bench-chat', messages, stream: true })) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, Array.from({ length: 20 }, () => 'word').join(' '));
      // role, 20 deltas, finish, usage (the floor asks for usage as the gateway does).
      assert.equal(chunks, 23);
      assert.equal(usage?.completion_tokens, 20);
      const unknown = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', body: '{"model":"nope"}' });
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).error.type, 'invalid_request_error');
      const invalid = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', body: '{' });
      assert.equal(invalid.status, 400);
    });
  }
});
