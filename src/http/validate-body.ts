import * as v from 'valibot';
import { InvalidRequestError } from '../errors/gateway-error.ts';
import { boundedKey } from '../errors/quote-value.ts';
import { UNSUPPORTED } from './request-fields.ts';

/**
 * Validates a request body against a schema. The first problem becomes a 400
 * in OpenAI's style: `param` is the field's path (`input[0].content`) and the
 * message and `code` say what is wrong with it.
 */
export function validateBody<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object.', { code: 'invalid_body' });
  }
  const result = v.safeParse(schema, body, { abortEarly: true });
  if (result.success) return result.output;
  throw issueToError(deepest(result.issues[0]));
}

/** A union reports its own issue; the branch that got furthest says what is really wrong. */
// Sub-issues' paths are relative to the union, so they are prefixed on the way down.
function deepest(issue: v.BaseIssue<unknown>): v.BaseIssue<unknown> {
  let best = issue;
  for (const sub of issue.issues ?? []) {
    const candidate = deepest({ ...sub, path: [...(issue.path ?? []), ...(sub.path ?? [])] as v.BaseIssue<unknown>['path'] });
    if ((candidate.path?.length ?? 0) > (best.path?.length ?? 0)) best = candidate;
  }
  return best;
}

function issueToError(issue: v.BaseIssue<unknown>): InvalidRequestError {
  const param = paramOf(issue);
  if (issue.expected === 'never' && issue.path?.length) {
    return new InvalidRequestError(`Unknown parameter: '${param}'.`, { param, code: 'unknown_parameter' });
  }
  if (issue.message === UNSUPPORTED) {
    return new InvalidRequestError(`Unsupported parameter: '${param}' ${UNSUPPORTED}; leave it out or send null.`, { param, code: 'unsupported_parameter' });
  }
  if (issue.received === 'undefined') {
    return new InvalidRequestError(`Missing required parameter: '${param}'.`, { param, code: 'missing_required_parameter' });
  }
  const expected = issue.message.startsWith('expected') ? issue.message : `expected ${issue.expected ?? 'a valid value'}`;
  return new InvalidRequestError(`Invalid value for '${param}': ${expected}, got ${describe(issue.input)}.`, {
    param,
    code: issue.kind === 'schema' ? 'invalid_type' : 'invalid_value',
  });
}

function paramOf(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    // Keys are the client's: a long one is cut, so `param` and the message stay short.
    const key = typeof item.key === 'number' ? item.key : boundedKey(String(item.key));
    out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
    if (out.length > 256) return `${out.slice(0, 256)}…`;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value.length > 40 ? `a string` : JSON.stringify(value);
  return String(value);
}
