import OpenAI from 'openai';
import type { Gateway } from '../../src/gateway.ts';
import { specCheckingFetch } from './open-responses-spec.ts';

/** The official OpenAI SDK talking to a gateway in memory (its fetch is the gateway's), never retrying; what it gets from the Responses routes is checked against the Open Responses specification. */
export function sdkClient(gateway: Gateway): OpenAI {
  return new OpenAI({
    baseURL: 'http://gateway.test/v1',
    apiKey: 'client-key',
    maxRetries: 0,
    fetch: specCheckingFetch((url, init) => gateway.fetch(new Request(url as string, init as RequestInit))),
  });
}
