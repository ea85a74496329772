import { fakeTokenCount, sse, usageOf, type RenderContext, type RenderedStream, type Script, type WireProtocol } from '../script.ts';

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function finishReason(script: Script): string {
  return script.kind === 'text' && script.finish === 'length' ? 'MAX_TOKENS' : 'STOP';
}

function usage(prompt: number, candidates: number) {
  return { promptTokenCount: prompt, candidatesTokenCount: candidates, totalTokenCount: prompt + candidates, promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }] };
}

function answer(parts: unknown[], model: string, extra: { finishReason?: string; usageMetadata?: unknown } = {}) {
  return {
    candidates: [{ content: { parts, role: 'model' }, ...(extra.finishReason ? { finishReason: extra.finishReason } : {}), index: 0 }],
    ...(extra.usageMetadata ? { usageMetadata: extra.usageMetadata } : {}),
    modelVersion: model,
    responseId: 'fake-response-id',
  };
}

/** The Gemini API: camelCase, `data:`-only SSE chunks that are each a partial answer, running-total usage, no end event. */
export const geminiWire: WireProtocol = {
  json(script: Script, { model }: RenderContext) {
    const { input, output } = usageOf(script);
    const parts: unknown[] = [];
    if (script.kind === 'text' && script.reasoning) parts.push({ text: script.reasoning.join(''), thought: true });
    if (script.kind === 'tool_call') parts.push({ functionCall: { name: script.name, args: JSON.parse(script.args.join('')) } });
    else parts.push({ text: script.kind === 'text' ? script.chunks.join('') : '' });
    return answer(parts, model, { finishReason: finishReason(script), usageMetadata: usage(input, output) });
  },

  stream(script: Script, { model }: RenderContext): RenderedStream {
    const { input, output } = usageOf(script);
    const head: string[] = [];
    if (script.kind === 'text' && script.reasoning) {
      for (const text of script.reasoning) head.push(sse(answer([{ text, thought: true }], model, { usageMetadata: usage(input, 0) })));
    }
    if (script.kind === 'tool_call') {
      // Gemini sends a function call whole, in one chunk, with the finish reason.
      const call = sse(answer([{ functionCall: { name: script.name, args: JSON.parse(script.args.join('')) } }], model, { finishReason: 'STOP', usageMetadata: usage(input, output) }));
      return { head, body: [call], tail: [], failure: failure() };
    }
    const chunks = script.kind === 'text' ? script.chunks : [];
    // Usage is a running total: the candidates count grows with each chunk and reaches the total at the end.
    const body = chunks.map((text, i) => {
      const last = i === chunks.length - 1;
      const soFar = last ? output : Math.floor((output * (i + 1)) / chunks.length);
      return sse(answer([{ text }], model, { usageMetadata: usage(input, soFar), ...(last ? { finishReason: finishReason(script) } : {}) }));
    });
    return { head, body, tail: [], failure: failure() };
  },

  /** `models/{model}:countTokens`: given `contents` or a whole `generateContentRequest` (never both). */
  count(body: any) {
    const total = fakeTokenCount(body?.generateContentRequest ?? { contents: body?.contents });
    return { totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] };
  },

  error(status: number, message: string) {
    return { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' } };
  },
};

function failure(): string {
  return sse({ error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } });
}
