import type { Hono } from 'hono';
import type { RequestLimits } from '../config/schema.ts';
import type { ChatCompletionsService } from './chat-completions-service.ts';
import { modelCallHandler } from '../http/model-call-handler.ts';
import type { AppEnv } from '../middleware/app-env.ts';

/** `POST /v1/chat/completions`, on the `/v1` sub-app. */
export function chatCompletionsRoutes(app: Hono<AppEnv>, service: ChatCompletionsService, maxBodySize: number, limits: RequestLimits, bodyRead?: (bytes: number) => void): void {
  app.post('/chat/completions', modelCallHandler(service, { maxBodySize, limits, inputKey: 'messages', bodyRead }));
}
