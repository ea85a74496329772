import { modelTargets } from '../config/model-targets.ts';
import type { ModelConfig } from '../config/schema.ts';
import { NotFoundError } from '../errors/gateway-error.ts';
import { quoteValue } from '../errors/quote-value.ts';
import type { AnsweringProvider } from './answering-provider.ts';
import type { Provider } from './provider.ts';
import type { ProviderWrapper } from './provider-wrapper.ts';

export interface Route {
  /** What responses report as their model: the configured name, or the `provider/model` the client sent. */
  readonly name: string;
  readonly provider: Provider;
  /** What the upstream calls the model. */
  readonly providerModelId: string;
  /** Set when the route may make several upstream calls (retries, targets, fallbacks): `provider` itself, saying what answered. */
  readonly answering?: AnsweringProvider;
}

/** One place a configured model's calls may go, its provider already wrapped for that model. */
export interface RouteTarget {
  readonly provider: Provider;
  readonly providerModelId: string;
  readonly weight: number;
}

/** A configured model as a composer sees it: its name and its wrapped targets. */
export interface TargetedModel {
  readonly name: string;
  readonly targets: readonly RouteTarget[];
}

/**
 * Builds the provider of a model from its targets and its fallbacks' (retries,
 * breakers, weighted targets, fallbacks), or returns nothing when the model
 * needs none of that, so a plain model keeps its wrapped provider as it is.
 */
export type RouteComposer = (model: TargetedModel, fallbacks: readonly TargetedModel[]) => AnsweringProvider | undefined;

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
   * `unknown`. `compose`, when given, may then build a model's provider from
   * its targets and fallbacks (resolved here by name or alias).
   */
  constructor(
    models: readonly ModelConfig[],
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly createdAt: number,
    private readonly wrappers: readonly ProviderWrapper[] = [],
    private readonly compose?: RouteComposer,
  ) {
    const targeted = new Map<string, TargetedModel>();
    for (const model of models) {
      const targets: RouteTarget[] = [];
      for (const target of modelTargets(model)) {
        const found = providers.get(target.provider);
        if (found) targets.push({ provider: this.wrap(found, model), providerModelId: target.providerModelId, weight: target.weight });
      }
      if (targets.length === 0) continue;
      const entry: TargetedModel = { name: model.name, targets };
      for (const name of [model.name, ...model.aliases]) if (!targeted.has(name)) targeted.set(name, entry);
    }
    for (const model of models) {
      const entry = targeted.get(model.name);
      if (!entry) continue;
      const fallbacks: TargetedModel[] = [];
      for (const name of model.fallbacks ?? []) {
        const fallback = targeted.get(name);
        if (fallback) fallbacks.push(fallback);
      }
      const answering = compose?.(entry, fallbacks);
      const first = entry.targets[0]!;
      const route: Route = answering
        ? { name: model.name, provider: answering, providerModelId: first.providerModelId, answering }
        : { name: model.name, provider: first.provider, providerModelId: first.providerModelId };
      for (const name of [model.name, ...model.aliases]) {
        this.routes.set(name, route);
        this.entries.push({ id: name, object: 'model', created: createdAt, owned_by: route.provider.name });
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
      // The provider's breaker and retries hold for direct calls too.
      provider = this.compose?.({ name: UNKNOWN_MODEL, targets: [{ provider, providerModelId: '', weight: 1 }] }, []) ?? provider;
      this.direct.set(name, provider);
    }
    const providerModelId = model.slice(slash + 1);
    if (isAnswering(provider)) return { name: model, provider, providerModelId, answering: provider };
    return { name: model, provider, providerModelId };
  }

  private wrap(provider: Provider, target: ModelConfig): Provider {
    let wrapped = provider;
    for (const wrapper of this.wrappers) wrapped = wrapper(wrapped, target);
    return wrapped;
  }
}

function isAnswering(provider: Provider): provider is AnsweringProvider {
  return 'streamAnswered' in provider;
}
