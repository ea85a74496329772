import type { Hono } from 'hono';
import type { ChatCompletionsService } from '../../chat-completions/chat-completions-service.ts';
import { modelCallHandler } from '../model-call-handler.ts';
import type { AppEnv } from '../../middleware/app-env.ts';

/** `POST /v1/chat/completions`. */
export function chatCompletionsRoutes(app: Hono<AppEnv>, service: ChatCompletionsService, maxBodySize: number): void {
  app.post('/v1/chat/completions', modelCallHandler(service, maxBodySize));
}
