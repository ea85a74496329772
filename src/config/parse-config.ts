import * as v from 'valibot';
import { parseDocument } from 'yaml';
import { ConfigError } from './config-error.ts';
import { modelTargets } from './model-targets.ts';
import { expandEnv, type Env } from './expand-env.ts';
import { ConfigSchema, RUNTIME_IDLE_TICK_MS, type ConfigInput, type GatewayConfig } from './schema.ts';

/**
 * What runs when there is no config file, or when a file leaves out both
 * `providers` and `models`: the built-in mock provider serving model `mock`.
 */
const DEFAULT_PROVIDERS = { mock: { type: 'mock' } } as const;
const DEFAULT_MODELS = [{ name: 'mock', provider: 'mock' }] as const;

/** Validates an already-parsed config object; throws ConfigError listing every problem. */
export function parseConfig(input: unknown = {}, source = 'config'): GatewayConfig {
  if (input === null || input === undefined) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError([`(top level): got ${describe(input)}; expected a mapping of sections`], source);
  }
  const raw = input as Record<string, unknown>;
  const withDefaults =
    raw.providers === undefined && raw.models === undefined
      ? { ...raw, providers: DEFAULT_PROVIDERS, models: DEFAULT_MODELS }
      : raw;
  const result = v.safeParse(ConfigSchema, withDefaults);
  if (!result.success) throw new ConfigError(result.issues.map(formatIssue), source);
  const problems = crossCheck(result.output);
  if (problems.length > 0) throw new ConfigError(problems, source);
  return result.output;
}

/** Parses YAML text, expands `${VAR}` references from `env`, then validates. */
export function parseConfigText(text: string, env: Env, source = 'config'): GatewayConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Later YAML errors are usually echoes of the first one.
    throw new ConfigError([`YAML: ${doc.errors[0]!.message.split('\n')[0]}`], source);
  }
  return parseConfig(expandEnv(doc.toJS(), env), source);
}

/** Test and embedding helper: a full config from a partial one, defaults applied. */
export function defineConfig(input: ConfigInput | Record<string, unknown> = {}): GatewayConfig {
  return parseConfig(input);
}

function crossCheck(config: GatewayConfig): string[] {
  const problems: string[] = [];
  const { sse_keepalive: keepAlive, idle_timeout: idle } = config.server;
  // A live stream must get a keep-alive comment before the runtime server closes its connection as idle.
  if (idle !== 0 && (keepAlive === 0 || 2 * keepAlive > idle - RUNTIME_IDLE_TICK_MS)) {
    problems.push(
      `server.sse_keepalive: got ${keepAlive / 1000}s with server.idle_timeout ${idle / 1000}s; expected more than 0 and at most (server.idle_timeout - 4s) / 2 = ${(idle - RUNTIME_IDLE_TICK_MS) / 2000}s, or server.idle_timeout: 0, so that the server never closes a live stream as idle`,
    );
  }
  const seen = new Map<string, string>();
  config.models.forEach((model, i) => {
    const known = Object.keys(config.providers);
    const targets = modelTargets(model);
    targets.forEach((target, j) => {
      if (target.provider in config.providers) return;
      const path = 'targets' in model ? `models[${i}].targets[${j}].provider` : `models[${i}].provider`;
      problems.push(`${path}: got "${target.provider}"; expected a key of providers (${known.length > 0 ? known.join(', ') : 'none configured'})`);
    });
    const targetKeys = new Set<string>();
    targets.forEach((target, j) => {
      const key = `${target.provider}\u0000${target.providerModelId}`;
      if (targetKeys.has(key)) problems.push(`models[${i}].targets[${j}]: got "${target.provider}" with "${target.providerModelId}" again; expected each provider and provider_model_id once`);
      targetKeys.add(key);
    });
    for (const [j, name] of [model.name, ...model.aliases].entries()) {
      const path = j === 0 ? `models[${i}].name` : `models[${i}].aliases[${j - 1}]`;
      const earlier = seen.get(name);
      if (earlier) problems.push(`${path}: got "${name}"; expected a unique model name (also used at ${earlier})`);
      else seen.set(name, path);
    }
  });
  problems.push(...checkFallbacks(config, seen));
  problems.push(...crossCheckAuth(config, seen));
  return problems;
}

/**
 * Fallbacks name other configured models (a name or an alias), each once and
 * never the model itself. Only a model's own list is tried, never its
 * fallbacks' fallbacks, so two models may name each other without a loop.
 */
function checkFallbacks(config: GatewayConfig, names: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const modelOf = new Map<string, string>();
  for (const model of config.models) for (const name of [model.name, ...model.aliases]) if (!modelOf.has(name)) modelOf.set(name, model.name);
  config.models.forEach((model, i) => {
    const tried = new Set<string>();
    (model.fallbacks ?? []).forEach((name, j) => {
      const path = `models[${i}].fallbacks[${j}]`;
      const target = modelOf.get(name);
      if (target === undefined) {
        problems.push(`${path}: got "${name}"; expected the name of a configured model (${[...names.keys()].join(', ')})`);
      } else if (target === model.name) {
        problems.push(`${path}: got "${name}"; expected another model than "${model.name}" itself`);
      } else if (tried.has(target)) {
        problems.push(`${path}: got "${name}"; expected each fallback model once ("${target}" is already listed)`);
      }
      if (target !== undefined) tried.add(target);
    });
  });
  return problems;
}


/** Key names and hashes unique, allow-lists naming configured models, budgets that can be charged. */
function crossCheckAuth(config: GatewayConfig, modelNames: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const { auth } = config;
  if (auth.enabled && auth.api_keys.length === 0 && !auth.oidc) {
    problems.push('auth.enabled: got true; expected api_keys or oidc to be configured as well');
  }
  const names = new Map<string, number>();
  const hashes = new Map<string, number>();
  const priced = config.models.some((model) => model.pricing !== undefined);
  auth.api_keys.forEach((entry, i) => {
    const sameName = names.get(entry.name);
    if (sameName !== undefined) problems.push(`auth.api_keys[${i}].name: got "${entry.name}"; expected a unique name (also used at auth.api_keys[${sameName}])`);
    else names.set(entry.name, i);
    // The hash is not echoed: it identifies the key.
    const sameKey = hashes.get(entry.key_sha256);
    if (sameKey !== undefined) problems.push(`auth.api_keys[${i}]: the same key as auth.api_keys[${sameKey}]; expected each key once`);
    else hashes.set(entry.key_sha256, i);
    entry.models?.forEach((model, j) => {
      if (!modelNames.has(model)) {
        problems.push(`auth.api_keys[${i}].models[${j}]: got "${model}"; expected a configured model name or alias (${[...modelNames.keys()].join(', ') || 'none configured'})`);
      }
    });
    if (entry.budget && !priced) {
      problems.push(`auth.api_keys[${i}].budget: a budget is charged from models[].pricing; expected at least one model with pricing`);
    }
    // Silently unenforced limits would be worse than none: the limiter enforces them.
    for (const field of ['rate_limit', 'budget'] as const) {
      if (entry[field] && auth.enabled && !config.rate_limit.enabled) {
        problems.push(`auth.api_keys[${i}].${field}: enforced by the rate limiter; expected rate_limit.enabled: true`);
      }
    }
  });
  return problems;
}

function formatIssue(issue: v.BaseIssue<unknown>): string {
  const path = issuePath(issue);
  // strictObject reports an unknown key with expected "never".
  if (issue.expected === 'never' && issue.path?.length) {
    return `${path}: unknown key; remove it or check its spelling and section`;
  }
  if (issue.received === 'undefined') {
    return issue.message.startsWith('expected') ? `${path}: is required; ${issue.message}` : `${path}: is required`;
  }
  const message = issue.message.startsWith('expected') ? issue.message : `expected ${issue.expected ?? 'a valid value'}`;
  return `${path}: got ${describe(issue.input)}; ${message}`;
}

function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key = item.key;
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out || '(top level)';
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'a mapping';
  return String(value);
}
