/** The parts of the Gemini API wire format the gateway writes and reads (field names as in @google/genai). */

export type GeminiPart =
  | { text: string; thought?: boolean }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { fileUri: string; mimeType?: string } }
  | { functionCall: { name: string; args: Record<string, unknown>; id?: string } }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
}

export interface GeminiAnswer {
  candidates?: {
    content?: { role?: string; parts?: ({ text?: string; thought?: boolean; functionCall?: { name: string; args?: Record<string, unknown>; id?: string } })[] };
    finishReason?: string;
  }[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: GeminiUsage;
  modelVersion?: string;
  /** The streaming endpoint can report a failure inside the stream. */
  error?: unknown;
}
