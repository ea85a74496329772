import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelConfig } from '../../src/config/schema.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { MockProvider } from '../../src/providers/mock/mock-provider.ts';
import { ModelRouter, UNKNOWN_MODEL } from '../../src/providers/model-router.ts';
import type { CanonicalEvent, CanonicalRequest, Provider, ProviderCall, ProviderResult } from '../../src/providers/provider.ts';
import { perProvider, type ProviderWrapper } from '../../src/providers/provider-wrapper.ts';

const mock = (name: string) => new MockProvider(name, { type: 'mock', ttfb_ms: 0, chunk_delay_ms: 0 });

/** A wrapper that only says what it wraps, for checking who wraps whom. */
class Labelled implements Provider {
  constructor(
    readonly label: string,
    readonly inner: Provider,
    readonly target: string,
  ) {}
  get name(): string {
    return this.inner.name;
  }
  get type(): string {
    return this.inner.type;
  }
  generate(request: CanonicalRequest, call: ProviderCall): Promise<ProviderResult> {
    return this.inner.generate(request, call);
  }
  stream(request: CanonicalRequest, call: ProviderCall): Promise<ReadableStream<CanonicalEvent>> {
    return this.inner.stream(request, call);
  }
}

const labelled = (label: string): ProviderWrapper => (provider, target) => new Labelled(label, provider, target.name);

const MODELS: ModelConfig[] = [
  { name: 'fast', provider: 'a', provider_model_id: 'a-fast-1', aliases: ['quick', 'f'] },
  { name: 'big', provider: 'b', aliases: [] },
  { name: 'orphan', provider: 'missing', aliases: [] },
];

function router(wrappers: ProviderWrapper[] = []) {
  const providers = new Map<string, Provider>([
    ['a', mock('a')],
    ['b', mock('b')],
  ]);
  return { providers, router: new ModelRouter(MODELS, providers, 1_700_000_000, wrappers) };
}

describe('ModelRouter', () => {
  test('a configured name and each alias route to the same target, with its upstream model id', () => {
    const { router: r, providers } = router();
    for (const name of ['fast', 'quick', 'f']) {
      const route = r.routeFor(name);
      assert.equal(route.name, 'fast');
      assert.equal(route.provider, providers.get('a'));
      assert.equal(route.providerModelId, 'a-fast-1');
    }
    assert.equal(r.routeFor('big').providerModelId, 'big', 'provider_model_id defaults to the name');
  });

  test('lists configured names and aliases in config order, owned by their provider; a model of an unknown provider is left out', () => {
    const { router: r } = router();
    assert.deepEqual(
      r.list().map((e) => [e.id, e.owned_by, e.created]),
      [
        ['fast', 'a', 1_700_000_000],
        ['quick', 'a', 1_700_000_000],
        ['f', 'a', 1_700_000_000],
        ['big', 'b', 1_700_000_000],
      ],
    );
    assert.equal(r.size, 4);
    assert.equal(r.resolve('orphan'), undefined);
  });

  test('`provider/model` routes to a configured provider directly, the rest of the name going upstream as it is', () => {
    const { router: r, providers } = router();
    const route = r.routeFor('b/some/model:v2');
    assert.equal(route.name, 'b/some/model:v2');
    assert.equal(route.provider, providers.get('b'));
    assert.equal(route.providerModelId, 'some/model:v2');
  });

  test('a configured name wins over the `provider/model` reading', () => {
    const providers = new Map<string, Provider>([['a', mock('a')], ['b', mock('b')]]);
    const r = new ModelRouter([{ name: 'a/x', provider: 'b', aliases: [] }], providers, 0);
    assert.equal(r.routeFor('a/x').provider, providers.get('b'));
  });

  test('an unknown model, an unknown provider prefix or an empty part is a 404 model_not_found', () => {
    const { router: r } = router();
    for (const model of ['nope', 'missing/x', '/x', 'a/', '']) {
      assert.throws(
        () => r.routeFor(model),
        (error: unknown) => error instanceof GatewayError && error.status === 404 && error.code === 'model_not_found' && error.param === 'model',
        model,
      );
    }
  });

  test('wrappers apply in list order (the first wraps the provider itself), once per configured model and once per provider used directly', () => {
    const seen: string[] = [];
    const counting: ProviderWrapper = (provider, target) => {
      seen.push(`${provider.name}:${target.name}`);
      return provider;
    };
    const { router: r, providers } = router([counting, labelled('inner'), labelled('outer')]);
    const outer = r.routeFor('quick').provider as Labelled;
    assert.equal(outer.label, 'outer');
    assert.equal(outer.target, 'fast');
    const inner = outer.inner as Labelled;
    assert.equal(inner.label, 'inner');
    assert.equal(inner.inner, providers.get('a'));
    assert.equal(r.routeFor('f').provider, outer, 'aliases share the target');

    const direct = r.routeFor('a/anything').provider as Labelled;
    assert.equal(direct.target, UNKNOWN_MODEL, 'direct routes never label with what the client wrote');
    assert.equal(r.routeFor('a/other').provider, direct, 'wrapped once per provider, on first use');
    assert.deepEqual(seen, ['a:fast', 'b:big', 'a:unknown']);
  });

  test('perProvider: one wrapper instance per provider, shared by all its targets', () => {
    let made = 0;
    const shared = perProvider((provider) => {
      made++;
      return new Labelled('breaker', provider, provider.name);
    });
    const providers = new Map<string, Provider>([['a', mock('a')], ['b', mock('b')]]);
    const models: ModelConfig[] = [
      { name: 'one', provider: 'a', aliases: [] },
      { name: 'two', provider: 'a', aliases: [] },
      { name: 'three', provider: 'b', aliases: [] },
    ];
    const r = new ModelRouter(models, providers, 0, [shared, labelled('instrumentation')]);
    const one = (r.routeFor('one').provider as Labelled).inner;
    const two = (r.routeFor('two').provider as Labelled).inner;
    assert.equal(one, two, 'models of one provider share its breaker');
    assert.notEqual(r.routeFor('one').provider, r.routeFor('two').provider, 'each model has its own instrumentation');
    assert.equal(r.routeFor('a/direct').provider instanceof Labelled && (r.routeFor('a/direct').provider as Labelled).inner, one);
    assert.equal(made, 2);
  });
});
