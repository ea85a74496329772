/** One provider of each HTTP type, all pointed at one fake upstream, with what each must send upstream. */
export interface FakeProviderCase {
  /** The provider's name in the config (also its type's short name). */
  name: string;
  config: Record<string, unknown>;
  /** The header that must carry the key, and its value. */
  auth: [string, string];
  /** The key, which must never reach a client. */
  key: string;
  /** The upstream path for a model (non-streamed and streamed). */
  path(model: string, stream: boolean): string;
}

export const TEST_KEYS = {
  openai: 'sk-openai-test-key-0001',
  azure: 'azure-test-key-0002',
  anthropic: 'sk-ant-test-key-0003',
  gemini: 'gemini-test-key-0004',
  compatible: 'compatible-test-key-0005',
};

export function fakeProviderCases(baseUrl: string): FakeProviderCase[] {
  return [
    {
      name: 'openai',
      config: { type: 'openai', api_key: TEST_KEYS.openai, base_url: `${baseUrl}/v1` },
      auth: ['authorization', `Bearer ${TEST_KEYS.openai}`],
      key: TEST_KEYS.openai,
      path: () => '/v1/responses',
    },
    {
      name: 'openai_chat',
      config: { type: 'openai', api: 'chat_completions', api_key: TEST_KEYS.openai, base_url: `${baseUrl}/v1` },
      auth: ['authorization', `Bearer ${TEST_KEYS.openai}`],
      key: TEST_KEYS.openai,
      path: () => '/v1/chat/completions',
    },
    {
      name: 'azure',
      config: { type: 'azure_openai', api_key: TEST_KEYS.azure, endpoint: baseUrl },
      auth: ['api-key', TEST_KEYS.azure],
      key: TEST_KEYS.azure,
      path: (model) => `/openai/deployments/${model}/chat/completions?api-version=2024-10-21`,
    },
    {
      name: 'anthropic',
      config: { type: 'anthropic', api_key: TEST_KEYS.anthropic, base_url: baseUrl },
      auth: ['x-api-key', TEST_KEYS.anthropic],
      key: TEST_KEYS.anthropic,
      path: () => '/v1/messages',
    },
    {
      name: 'gemini',
      config: { type: 'gemini', api_key: TEST_KEYS.gemini, base_url: baseUrl },
      auth: ['x-goog-api-key', TEST_KEYS.gemini],
      key: TEST_KEYS.gemini,
      path: (model, stream) => `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    },
    {
      name: 'compatible',
      config: { type: 'openai_compatible', api_key: TEST_KEYS.compatible, base_url: `${baseUrl}/v1` },
      auth: ['authorization', `Bearer ${TEST_KEYS.compatible}`],
      key: TEST_KEYS.compatible,
      path: () => '/v1/chat/completions',
    },
  ];
}

/** The `providers` section for the cases. */
export function providersOf(cases: readonly FakeProviderCase[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(cases.map((c) => [c.name, c.config]));
}
