import { modelTargets } from '../config/model-targets.ts';
import type { ModelConfig } from '../config/schema.ts';
import { NotFoundError } from '../errors/gateway-error.ts';
import { quoteValue } from '../errors/quote-value.ts';
import type { Provider } from './provider.ts';
import type { ProviderWrapper } from './provider-wrapper.ts';

export interface Route {
  /** What responses report as their model: the configured name, or the `provider/model` the client sent. */
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

/**
 * The model label of calls routed as `provider/model`: the model part is
 * whatever the client wrote, so it must not become a metric label.
 */
export const UNKNOWN_MODEL = 'unknown';

/**
 * Maps the `model` a client sends to a provider and upstream model id: a
 * configured name or alias, or `provider/model` naming a configured provider
 * directly (a configured name wins when both match).
 */
export class ModelRouter {
  private readonly routes = new Map<string, Route>();
  private readonly entries: ModelEntry[] = [];
  /** Providers as direct routes use them (wrapped once, on first use). */
  private readonly direct = new Map<string, Provider>();

  /**
   * `wrappers` are applied to each target's provider in order (see
   * ProviderWrapper): once per configured model, so a wrapper can bind that
   * model's labels, and once per provider used directly, with the model name
   * `unknown`.
   */
  constructor(
    models: readonly ModelConfig[],
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly createdAt: number,
    private readonly wrappers: readonly ProviderWrapper[] = [],
  ) {
    for (const model of models) {
      // Until weighted balancing is in the request path, a model with targets is served by its first.
      const target = modelTargets(model)[0]!;
      const found = providers.get(target.provider);
      if (!found) continue;
      const provider = this.wrap(found, model);
      const route: Route = { name: model.name, provider, providerModelId: target.providerModelId };
      for (const name of [model.name, ...model.aliases]) {
        this.routes.set(name, route);
        this.entries.push({ id: name, object: 'model', created: createdAt, owned_by: provider.name });
      }
    }
  }

  resolve(model: string): Route | undefined {
    return this.routes.get(model) ?? this.directRoute(model);
  }

  /** Like resolve, but an unknown model is a 404 `model_not_found`, never some other provider. */
  routeFor(model: string): Route {
    const route = this.resolve(model);
    if (route) return route;
    throw new NotFoundError(`The model ${quoteValue(model)} does not exist or is not served by this gateway.`, { param: 'model', code: 'model_not_found' });
  }

  /** Every configured name, aliases included, in config order (direct `provider/model` routes are open-ended). */
  list(): readonly ModelEntry[] {
    return this.entries;
  }

  /**
   * One model as `GET /v1/models/{model}` shows it: a configured name or
   * alias, or a `provider/model` a configured provider would serve (its
   * owner is that provider).
   */
  describe(model: string): ModelEntry | undefined {
    const configured = this.entries.find((entry) => entry.id === model);
    if (configured) return configured;
    const route = this.directRoute(model);
    return route ? { id: model, object: 'model', created: this.createdAt, owned_by: route.provider.name } : undefined;
  }

  get size(): number {
    return this.routes.size;
  }

  private directRoute(model: string): Route | undefined {
    const slash = model.indexOf('/');
    if (slash <= 0 || slash === model.length - 1) return undefined;
    const name = model.slice(0, slash);
    let provider = this.direct.get(name);
    if (!provider) {
      const found = this.providers.get(name);
      if (!found) return undefined;
      provider = this.wrap(found, { name: UNKNOWN_MODEL, provider: name, aliases: [] });
      this.direct.set(name, provider);
    }
    return { name: model, provider, providerModelId: model.slice(slash + 1) };
  }

  private wrap(provider: Provider, target: ModelConfig): Provider {
    let wrapped = provider;
    for (const wrapper of this.wrappers) wrapped = wrapper(wrapped, target);
    return wrapped;
  }
}
