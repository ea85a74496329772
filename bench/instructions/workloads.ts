/** The requests bench/instructions.ts can count, all against the instant fake upstream. */
export const WORKLOADS = {
  'chat-json': { path: '/v1/chat/completions', body: JSON.stringify({ model: 'bench-chat', messages: [{ role: 'user', content: 'How much does the gateway itself cost?' }] }) },
  'chat-stream': { path: '/v1/chat/completions', body: JSON.stringify({ model: 'bench-chat', messages: [{ role: 'user', content: 'How much does the gateway itself cost?' }], stream: true }) },
  'responses-json': { path: '/v1/responses', body: JSON.stringify({ model: 'bench-instant', input: 'How much does the gateway itself cost?', store: false }) },
  'responses-stream': { path: '/v1/responses', body: JSON.stringify({ model: 'bench-instant', input: 'How much does the gateway itself cost?', stream: true, store: false }) },
} as const;

export type WorkloadName = keyof typeof WORKLOADS;
