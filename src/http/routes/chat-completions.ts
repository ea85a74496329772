import type { Hono } from 'hono';
import type { ChatCompletionsService } from '../../chat-completions/chat-completions-service.ts';
import { linkAbort, wantsStream } from '../link-abort.ts';
import { readJsonBody } from '../read-json-body.ts';
import type { AppEnv } from '../types.ts';

export interface ChatCompletionsRouteOptions {
  service: ChatCompletionsService;
  maxBodySize: number;
}

/** `POST /v1/chat/completions`. */
export function chatCompletionsRoutes(app: Hono<AppEnv>, { service, maxBodySize }: ChatCompletionsRouteOptions): void {
  app.post('/v1/chat/completions', async function createChatCompletion(c) {
    const scope = c.get('scope');
    const body = await readJsonBody(c.req.raw, maxBodySize, (bytes) => (scope.requestBytes = bytes));
    if (!wantsStream(body)) linkAbort(c.req.raw.signal, scope.controller);
    return service.create(body, scope);
  });
}
