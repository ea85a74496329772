import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Cancellation } from '../../src/core/cancellation.ts';

const listener = (log: string[], name: string) => ({ handleEvent: () => void log.push(name) });

describe('cancellation', () => {
  test('listeners run once, in order, when it aborts; a removed one does not', () => {
    const cancel = new Cancellation();
    const log: string[] = [];
    const a = listener(log, 'a');
    const b = listener(log, 'b');
    const c = listener(log, 'c');
    cancel.addEventListener('abort', a);
    cancel.addEventListener('abort', b);
    cancel.addEventListener('abort', a); // the same listener twice counts once, as on an EventTarget
    cancel.addEventListener('abort', c);
    cancel.removeEventListener('abort', b);
    assert.equal(cancel.aborted, false);
    cancel.abort('why');
    cancel.abort('again');
    assert.deepEqual(log, ['a', 'c']);
    assert.equal(cancel.aborted, true);
    assert.equal(cancel.reason, 'why');
    cancel.addEventListener('abort', listener(log, 'late'));
    assert.deepEqual(log, ['a', 'c'], 'a listener added after the abort is not called');
  });

  test('without a reason it aborts with an AbortError, as AbortController does', () => {
    const cancel = new Cancellation();
    cancel.abort();
    assert.ok(cancel.reason instanceof DOMException);
    assert.equal((cancel.reason as DOMException).name, 'AbortError');
  });

  test('its AbortSignal, made before or after, follows it with the same reason', async () => {
    const before = new Cancellation();
    const signal = before.signal;
    assert.equal(signal.aborted, false);
    const fired = new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    before.abort('gone');
    await fired;
    assert.equal(signal.reason, 'gone');
    assert.equal(before.signal, signal, 'one signal');

    const after = new Cancellation();
    after.abort('late');
    assert.equal(after.signal.aborted, true);
    assert.equal(after.signal.reason, 'late');
  });

  test('a listener that throws does not keep the others from running; its error is thrown after', () => {
    const cancel = new Cancellation();
    const log: string[] = [];
    cancel.addEventListener('abort', { handleEvent: () => { throw new Error('first'); } });
    cancel.addEventListener('abort', listener(log, 'second'));
    assert.throws(() => cancel.abort(), /first/);
    assert.deepEqual(log, ['second']);
  });

  test('fetch takes its signal: aborting cancels a real request', async () => {
    const cancel = new Cancellation();
    const pending = fetch('http://127.0.0.1:9/', { signal: cancel.signal });
    cancel.abort(new DOMException('stop', 'AbortError'));
    await assert.rejects(pending, (error: Error) => error.name === 'AbortError');
  });
});
