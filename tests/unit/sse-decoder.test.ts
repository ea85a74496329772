import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SseBufferOverflowError, SseDecoder, type SseMessage } from '../../src/streaming/sse-decoder.ts';
import { SseBytesDecoder } from '../../src/streaming/sse-bytes-decoder.ts';

function decode(chunks: string[], maxBufferSize?: number): { messages: SseMessage[]; comments: string[] } {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const decoder = new SseDecoder({ onMessage: (m) => messages.push(m), onComment: (c) => comments.push(c), maxBufferSize });
  for (const chunk of chunks) decoder.feed(chunk);
  return { messages, comments };
}

const msg = (data: string, event?: string, id?: string, retry?: number): SseMessage => ({ event, data, id, retry });

// Every line ending, multi-line data, comments, every field, a field without a colon, a non-ASCII character.
const SAMPLE =
  '\uFEFF: hello\r\n' +
  'event: message_start\r\ndata: {"a":1}\r\n\r\n' +
  'data: line one\ndata: line two\nid: 7\nretry: 1500\n\n' +
  ': ping\r' +
  'event: ping\rdata\r\r' +
  'data:no space\n:comment without space\ndata:  two spaces\nunknown: field\n\n' +
  'event: content_block_delta\ndata: {"text":"h\u00e9llo \u{1F600}"}\n\n' +
  'event: only-an-event\n\n' +
  'retry: soon\ndata: x\n\n';

const EXPECTED: SseMessage[] = [
  msg('{"a":1}', 'message_start'),
  msg('line one\nline two', undefined, '7', 1500),
  msg('', 'ping'),
  msg('no space\n two spaces'),
  msg('{"text":"h\u00e9llo \u{1F600}"}', 'content_block_delta'),
  msg('x'),
];

describe('SseDecoder', () => {
  test('parses every field, line ending and comment of a sample stream', () => {
    const { messages, comments } = decode([SAMPLE]);
    assert.deepEqual(messages, EXPECTED);
    assert.deepEqual(comments, ['hello', 'ping', 'comment without space']);
  });

  test('every split point of the sample gives the same messages (CRLF split across chunks included)', () => {
    for (let i = 0; i <= SAMPLE.length; i++) {
      assert.deepEqual(decode([SAMPLE.slice(0, i), SAMPLE.slice(i)]).messages, EXPECTED, `split at ${i}`);
    }
  });

  test('one character at a time gives the same messages', () => {
    assert.deepEqual(decode([...SAMPLE]).messages, EXPECTED);
  });

  test('every byte split through the bytes decoder (UTF-8 characters split across chunks)', () => {
    const bytes = new TextEncoder().encode(SAMPLE);
    const run = (chunks: Uint8Array[]) => {
      const out: SseMessage[] = [];
      const decoder = new SseBytesDecoder({ onMessage: (message) => out.push(message) });
      for (const chunk of chunks) decoder.feed(chunk);
      decoder.end();
      return out;
    };
    for (let i = 0; i <= bytes.length; i++) {
      assert.deepEqual(run([bytes.slice(0, i), bytes.slice(i)]), EXPECTED, `split at byte ${i}`);
    }
    assert.deepEqual(run([...bytes].map((b) => Uint8Array.of(b))), EXPECTED, 'byte by byte');
  });

  test('an event larger than one chunk is assembled', () => {
    const big = 'x'.repeat(100_000);
    const chunks = `data: ${big}\n\n`.match(/[\s\S]{1,1000}/g)!;
    assert.deepEqual(decode(chunks).messages, [msg(big)]);
  });

  test('an unterminated message at the end is not dispatched; reset forgets partial input', () => {
    assert.deepEqual(decode(['data: a\n\ndata: b\n']).messages, [msg('a')]);
    const messages: SseMessage[] = [];
    const decoder = new SseDecoder({ onMessage: (m) => messages.push(m) });
    decoder.feed('data: half');
    decoder.reset();
    decoder.feed('data: whole\n\n');
    assert.deepEqual(messages, [msg('whole')]);
  });

  test('the buffer is bounded: a line or message over the limit throws', () => {
    assert.throws(() => decode(['data: ', 'x'.repeat(200)], 100), SseBufferOverflowError);
    assert.throws(() => decode(['data: ' + 'x'.repeat(60) + '\ndata: ' + 'y'.repeat(60) + '\n'], 100), SseBufferOverflowError);
    assert.deepEqual(decode(['data: ' + 'x'.repeat(90) + '\n\n'], 100).messages.length, 1);
  });

  test('the id field is ignored when it contains NUL; an empty event name is the default type', () => {
    assert.deepEqual(decode(['id: a\0b\nevent:\ndata: x\n\n']).messages, [msg('x')]);
  });
});
