import { ConfigurationError } from './errors.js';

/** The kinds of plugin a registry holds. */
export type PluginKind = 'space' | 'strategy' | 'estimator' | 'runner' | 'store' | 'middleware';

/**
 * What a plugin can do, declared by the plugin so a host refuses a combination from the
 * declaration, never from a type check. Every flag defaults to false; a `reason` says in words
 * why a `false` matters (shown in the error).
 */
export interface PluginCapabilities {
  /** Its trials can run in worker processes (it can be described as plain data). */
  readonly workers?: boolean;
  /** It needs a trial's parent and its trained weights in this process (network morphism). */
  readonly parentWeights?: boolean;
  /** It trains networks of its own besides the engine's trials (a supernet). */
  readonly trainsOwnNetworks?: boolean;
  /** Its scores are proxies (supernet weights): the winner must be trained alone to be judged. */
  readonly proxyScores?: boolean;
  /** It can score by k-fold cross-validation. */
  readonly folds?: boolean;
  /** It keeps a trained model for the best trial. */
  readonly keepsModel?: boolean;
  /** A strategy that selects by the Pareto front (or a scalarisation) when the engine has several `objectives`. */
  readonly multiObjective?: boolean;
  /** An estimator that trains each candidate with the hyperparameters its architecture carries (`withHyperparameters`); a strategy whose trials can carry them. */
  readonly hyperparameters?: boolean;
  /** Words on the limits above, by capability name, e.g. `{ workers: 'one supernet lives in this process' }`. */
  readonly reasons?: Readonly<Partial<Record<string, string>>>;
}

/**
 * One plugin as a registry holds it: its kind and name, a line on what it does, what it can do,
 * and a factory that makes it from options and the host's context.
 *
 * @example
 * ```ts
 * import type { PluginEntry, SearchStrategy } from '@autonas/core';
 * declare function makeMine(seed: number): SearchStrategy;
 * const mine: PluginEntry<{ seed: number }, SearchStrategy> = {
 *   kind: 'strategy',
 *   name: 'mine',
 *   description: 'my own strategy',
 *   create: ({ seed }) => makeMine(seed),
 * };
 * ```
 */
export interface PluginEntry<Context = unknown, Product = unknown> {
  readonly kind: PluginKind;
  /** Unique within its kind; how users choose it (`strategy: 'evolution'`, `--strategy evolution`). */
  readonly name: string;
  readonly description?: string;
  readonly capabilities?: PluginCapabilities;
  create(context: Context): Product;
}

/**
 * Plugins found by name: a host registers entries and resolves the names users give.
 *
 * @example
 * ```ts
 * import { PluginRegistry } from '@autonas/core';
 * const registry = new PluginRegistry();
 * registry.register({ kind: 'strategy', name: 'noop', create: () => 'made' });
 * registry.get('strategy', 'noop').create({}); // 'made'
 * registry.names('strategy'); // ['noop']
 * ```
 */
export class PluginRegistry {
  private readonly entries = new Map<string, PluginEntry<never, unknown>>();

  /**
   * Adds an entry. @throws ConfigurationError `DUPLICATE_PLUGIN` when the kind already has the
   * name (unless `replace`), `BAD_PLUGIN` for an entry without a kind, a name or a factory.
   */
  register<C, P>(entry: PluginEntry<C, P>, options: { replace?: boolean } = {}): this {
    if (!entry || typeof entry.name !== 'string' || entry.name === '' || typeof entry.create !== 'function' || typeof entry.kind !== 'string') {
      throw new ConfigurationError('BAD_PLUGIN', `a plugin entry needs a kind, a name and a create function, got ${JSON.stringify(entry)?.slice(0, 120)}`);
    }
    const key = `${entry.kind}:${entry.name}`;
    if (this.entries.has(key) && !options.replace) throw new ConfigurationError('DUPLICATE_PLUGIN', `a ${entry.kind} named "${entry.name}" is already registered`);
    this.entries.set(key, entry as unknown as PluginEntry<never, unknown>);
    return this;
  }

  /** Whether a plugin of this kind and name is registered. */
  has(kind: PluginKind, name: string): boolean {
    return this.entries.has(`${kind}:${name}`);
  }

  /** The entry of that kind and name. @throws ConfigurationError `UNKNOWN_PLUGIN` listing the names of the kind. */
  get<C = unknown, P = unknown>(kind: PluginKind, name: string): PluginEntry<C, P> {
    const e = this.entries.get(`${kind}:${name}`);
    if (!e) {
      const known = this.names(kind);
      throw new ConfigurationError('UNKNOWN_PLUGIN', `no ${kind} named "${name}"; registered: ${known.length ? known.join(', ') : 'none'}`);
    }
    return e as unknown as PluginEntry<C, P>;
  }

  /** Names of the registered plugins of a kind, in registration order. */
  names(kind: PluginKind): string[] {
    return [...this.entries.values()].filter((e) => e.kind === kind).map((e) => e.name);
  }

  /** Every entry of a kind. */
  list(kind: PluginKind): PluginEntry[] {
    return [...this.entries.values()].filter((e) => e.kind === kind) as unknown as PluginEntry[];
  }

  /** A copy, to add plugins to without changing this registry. */
  clone(): PluginRegistry {
    const r = new PluginRegistry();
    for (const e of this.entries.values()) r.register(e);
    return r;
  }
}

/**
 * Refuses what a plugin declared it cannot do, with a typed error naming the plugin and its reason.
 *
 * @throws ConfigurationError with `code` when `entry.capabilities[capability]` is not true.
 *
 * @example
 * ```ts
 * import { requireCapability, type PluginEntry } from '@autonas/core';
 * declare const entry: PluginEntry;
 * requireCapability(entry, 'workers', 'WORKERS_NOT_SUPPORTED', 'workers: 2');
 * ```
 */
export function requireCapability(entry: PluginEntry, capability: Exclude<keyof PluginCapabilities, 'reasons'>, code: string, asked: string): void {
  if (entry.capabilities?.[capability] === true) return;
  const why = entry.capabilities?.reasons?.[capability];
  throw new ConfigurationError(code, `${asked} does not apply to the ${entry.kind} "${entry.name}"${why ? `: ${why}` : ''}`);
}
