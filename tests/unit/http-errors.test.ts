import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testGateway } from '../helpers/in-memory-gateway.ts';

async function expectError(res: Response, status: number, error: { type: string; code: string | null; param?: string | null; message?: RegExp }) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type')!, /^application\/json/);
  const body = await res.json();
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.type, error.type);
  assert.equal(body.error.code, error.code);
  if (error.param !== undefined) assert.equal(body.error.param, error.param);
  if (error.message) assert.match(body.error.message, error.message);
  return body.error;
}

describe('errors are in the OpenAI shape with the right status', () => {
  test('malformed JSON: 400 invalid_json', async () => {
    const { post } = testGateway();
    await expectError(await post('/v1/responses', '{"model": "mock", "input": '), 400, { type: 'invalid_request_error', code: 'invalid_json', message: /could not parse the JSON body/ });
    await expectError(await post('/v1/responses', ''), 400, { type: 'invalid_request_error', code: 'invalid_json', message: /empty/ });
  });

  test('a body that is JSON but not an object: 400', async () => {
    const { post } = testGateway();
    await expectError(await post('/v1/responses', '[1,2]'), 400, { type: 'invalid_request_error', code: 'invalid_body' });
    await expectError(await post('/v1/responses', 'null'), 400, { type: 'invalid_request_error', code: 'invalid_body' });
  });

  test('schema violations name the field', async () => {
    const { post } = testGateway();
    const cases: Array<[unknown, string, string, RegExp]> = [
      [{ input: 'x' }, 'model', 'missing_required_parameter', /Missing required parameter: 'model'/],
      [{ model: 'mock' }, 'input', 'missing_required_parameter', /Missing required parameter: 'input'/],
      [{ model: 'mock', input: 'x', temprature: 1 }, 'temprature', 'unknown_parameter', /Unknown parameter: 'temprature'/],
      [{ model: 'mock', input: 'x', temperature: 3 }, 'temperature', 'invalid_value', /expected a number from 0 to 2, got 3/],
      [{ model: 'mock', input: 'x', temperature: 'hot' }, 'temperature', 'invalid_type', /expected a number/],
      [{ model: 'mock', input: 'x', stream: 'yes' }, 'stream', 'invalid_type', /expected true or false/],
      [{ model: 'mock', input: 'x', max_output_tokens: 0 }, 'max_output_tokens', 'invalid_value', /integer >= 1/],
      [{ model: 'mock', input: 42 }, 'input', 'invalid_type', /expected a string or a list of input items/],
      [{ model: 'mock', input: [{ role: 'robot', content: 'x' }] }, 'input[0].role', 'invalid_type', /user, assistant, system or developer/],
      [{ model: 'mock', input: [{ role: 'user', content: [{ type: 'input_video' }] }] }, 'input[0].content[0].type', 'invalid_type', /content part/],
      [{ model: 'mock', input: [{ type: 'mystery' }] }, 'input[0].type', 'invalid_type', /item of type/],
      [{ model: 'mock', input: [{ role: 'user', content: [{ type: 'input_image' }] }] }, 'input[0].content[0]', 'invalid_value', /image_url or file_id/],
      [{ model: 'mock', input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type', 'invalid_type', /other tool types are not supported/],
      [{ model: 'mock', input: 'x', tool_choice: 'sometimes' }, 'tool_choice', 'invalid_type', /"auto", "none", "required"/],
      [{ model: 'mock', input: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata', 'invalid_value', /at most 16/],
      [{ model: 'mock', input: 'x', background: true }, 'background', 'invalid_type', /background responses are not supported/],
      [{ model: '', input: 'x' }, 'model', 'invalid_value', /expected a model name/],
    ];
    for (const [body, param, code, message] of cases) {
      await expectError(await post('/v1/responses', body), 400, { type: 'invalid_request_error', code, param, message });
    }
  });

  test('unknown model: 404 model_not_found, never an arbitrary provider', async () => {
    const { post } = testGateway();
    await expectError(await post('/v1/responses', { model: 'gpt-9', input: 'x' }), 404, {
      type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: /'gpt-9' does not exist/,
    });
  });

  test('a body over max_request_body_size: 413, refused from Content-Length before it is read', async () => {
    const { gateway } = testGateway({ server: { max_request_body_size: 1024 } });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(512));
        if (pulled === 8) controller.close();
      },
    });
    const res = await gateway.fetch(
      new Request('http://gateway.test/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '4096' }, body, duplex: 'half' } as RequestInit),
    );
    const error = await expectError(res, 413, { type: 'invalid_request_error', code: 'request_too_large', message: /1024-byte limit/ });
    assert.ok(error);
    assert.equal(res.headers.get('x-should-retry'), 'false');
    assert.ok(pulled <= 1, `the body was read (${pulled} chunks pulled)`);
  });

  test('a chunked body over the limit: 413 after reading no more than the limit', async () => {
    const { gateway } = testGateway({ server: { max_request_body_size: 1024 } });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode(' '.repeat(300)));
        if (pulled === 100) controller.close();
      },
    });
    const res = await gateway.fetch(new Request('http://gateway.test/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit));
    await expectError(res, 413, { type: 'invalid_request_error', code: 'request_too_large' });
    assert.ok(pulled < 10, `read ${pulled} chunks of 300 bytes for a 1024-byte limit`);
  });

  test('a body at the limit is accepted', async () => {
    const { post } = testGateway({ server: { max_request_body_size: 200 } });
    const json = JSON.stringify({ model: 'mock', input: 'x' });
    const padded = json.slice(0, -1) + ' '.repeat(200 - json.length) + '}';
    assert.equal(padded.length, 200);
    assert.equal((await post('/v1/responses', padded)).status, 200);
    assert.equal((await post('/v1/responses', padded + ' ')).status, 413);
  });

  test('wrong method on a known route: 405 with Allow', async () => {
    const { request } = testGateway();
    const cases: Array<[string, string, string]> = [
      ['GET', '/v1/responses', 'POST'],
      ['PUT', '/v1/responses/resp_1', 'GET, HEAD, DELETE'],
      ['POST', '/v1/models', 'GET, HEAD'],
      ['DELETE', '/health', 'GET, HEAD'],
      ['POST', '/v1/responses/resp_1/input_items', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await request(path, { method });
      await expectError(res, 405, { type: 'invalid_request_error', code: 'method_not_allowed', message: new RegExp(`Method ${method} is not allowed`) });
      assert.equal(res.headers.get('allow'), allow);
    }
  });

  test('unknown route: 404 in the OpenAI shape', async () => {
    const { request } = testGateway();
    await expectError(await request('/v1/nothing-here', { method: 'POST' }), 404, {
      type: 'invalid_request_error', code: 'not_found', message: /Invalid URL \(POST \/v1\/nothing-here\)/,
    });
    await expectError(await request('/'), 404, { type: 'invalid_request_error', code: 'not_found' });
  });

  test('an unexpected failure is a 500 server_error that is logged with its cause', async () => {
    const { post, logs, gateway } = testGateway();
    gateway.store.create = () => {
      throw new TypeError('boom');
    };
    // Storing fails after the answer exists: the client still gets it, the failure is logged.
    const res = await post('/v1/responses', { model: 'mock', input: 'x' });
    assert.equal(res.status, 200);
    assert.ok(logs.some((l) => l.msg === 'failed to store response' && l.level === 'ERROR' && l.error.message === 'boom'));
    gateway.store.chain = () => Promise.reject(new TypeError('kaboom'));
    await expectError(await post('/v1/responses', { model: 'mock', input: 'x', previous_response_id: 'resp_1' }), 500, { type: 'server_error', code: null });
    const logged = logs.find((l) => l.msg === 'request failed')!;
    assert.equal(logged.status, 500);
    assert.equal(logged.error.message, 'kaboom');
  });
});
