import type { ModelConfig } from '../config/schema.ts';
import type { Provider } from './provider.ts';

export interface Route {
  /** The configured model name (also used for aliases): what responses report and metrics label. */
  readonly name: string;
  readonly provider: Provider;
  /** What the upstream calls the model. */
  readonly providerModelId: string;
}

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** Maps the `model` a client sends (a name or an alias) to a provider and upstream model id. */
export class ModelRouter {
  private readonly routes = new Map<string, Route>();
  private readonly entries: ModelEntry[] = [];

  /**
   * `decorate` may wrap each model's provider (instrumentation): it is called
   * once per configured model, so a wrapper can bind that model's labels.
   */
  constructor(
    models: readonly ModelConfig[],
    providers: ReadonlyMap<string, Provider>,
    createdAt: number,
    decorate?: (provider: Provider, model: ModelConfig) => Provider,
  ) {
    for (const model of models) {
      const found = providers.get(model.provider);
      if (!found) continue;
      const provider = decorate ? decorate(found, model) : found;
      const route: Route = { name: model.name, provider, providerModelId: model.provider_model_id ?? model.name };
      for (const name of [model.name, ...model.aliases]) {
        this.routes.set(name, route);
        this.entries.push({ id: name, object: 'model', created: createdAt, owned_by: provider.name });
      }
    }
  }

  resolve(model: string): Route | undefined {
    return this.routes.get(model);
  }

  /** Every routable name, aliases included, in config order. */
  list(): readonly ModelEntry[] {
    return this.entries;
  }

  get size(): number {
    return this.routes.size;
  }
}
