import type { ModelConfig } from './schema.ts';

/** Where one model's calls may go: a provider, the upstream's id for the model, and a weight. */
export interface ModelTarget {
  readonly provider: string;
  readonly providerModelId: string;
  readonly weight: number;
}

/**
 * A model's targets, whichever form its config used: `provider` (and
 * `provider_model_id`) is one target of weight 1; `targets` are as listed.
 * `provider_model_id` defaults to the model's name in both forms.
 */
export function modelTargets(model: ModelConfig): readonly ModelTarget[] {
  if ('targets' in model) {
    return model.targets.map((t) => ({ provider: t.provider, providerModelId: t.provider_model_id ?? model.name, weight: t.weight }));
  }
  return [{ provider: model.provider, providerModelId: model.provider_model_id ?? model.name, weight: 1 }];
}
