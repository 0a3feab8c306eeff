import { ConfigurationError, type Genotype, type GenotypeEdge } from '@autonas/core';

// The genotype types live in the core, shared with the strategies that search cells.
export type { Genotype, GenotypeEdge } from '@autonas/core';

/** The DARTS op set, in the order of DARTS' `PRIMITIVES`. */
export const DARTS_OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'] as const;

/** One of {@link DARTS_OPS}. */
export type DartsOp = (typeof DARTS_OPS)[number];


/**
 * The cell DARTS found with its second-order approximation ("DARTS (second order)", 2.76 ± 0.09%
 * test error and 3.3M parameters on CIFAR-10 in the paper), as published in `genotypes.py` of
 * the DARTS code under the name `DARTS_V2`.
 */
export const DARTS_V2: Genotype = Object.freeze({
  normal: [['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 0], ['dil_conv_3x3', 2]],
  normal_concat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 1], ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['max_pool_3x3', 1]],
  reduce_concat: [2, 3, 4, 5],
} as Genotype);

/** The first-order DARTS cell (`DARTS_V1` in DARTS' `genotypes.py`). */
export const DARTS_V1: Genotype = Object.freeze({
  normal: [['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['skip_connect', 0], ['sep_conv_3x3', 1], ['skip_connect', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['skip_connect', 2]],
  normal_concat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 0], ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['avg_pool_3x3', 0]],
  reduce_concat: [2, 3, 4, 5],
} as Genotype);

const bad = (msg: string) => new ConfigurationError('BAD_GENOTYPE', msg);

/**
 * Checks a genotype's structure: an even number of edges per cell, every input an earlier state
 * (`input < 2 + node`), concat indices naming existing states, and (when `ops` is given) every op
 * in `ops`. Throws `ConfigurationError` `BAD_GENOTYPE` naming the first problem.
 */
export function checkGenotype(g: Genotype, ops?: readonly string[]): Genotype {
  if (g === null || typeof g !== 'object') throw bad(`a genotype must be an object, got ${JSON.stringify(g)}`);
  for (const kind of ['normal', 'reduce'] as const) {
    const edges = g[kind], concat = g[`${kind}_concat`];
    if (!Array.isArray(edges) || edges.length === 0 || edges.length % 2 !== 0) throw bad(`${kind} must list two edges per node, got ${JSON.stringify(edges)}`);
    const states = 2 + edges.length / 2;
    edges.forEach((e, i) => {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !Number.isInteger(e[1])) throw bad(`${kind}[${i}] must be an (op, input) pair, got ${JSON.stringify(e)}`);
      const node = 2 + Math.floor(i / 2);
      if (e[1] < 0 || e[1] >= node) throw bad(`${kind}[${i}] (${e[0]}, ${e[1]}): node ${node} can only read states 0..${node - 1}`);
      if (ops && !ops.includes(e[0])) throw bad(`${kind}[${i}]: unknown op "${e[0]}" (known: ${ops.join(', ')})`);
    });
    if (!Array.isArray(concat) || concat.length === 0 || !concat.every((c) => Number.isInteger(c) && c >= 0 && c < states)) {
      throw bad(`${kind}_concat must list states in 0..${states - 1}, got ${JSON.stringify(concat)}`);
    }
  }
  return g;
}

/**
 * Reads a genotype from DARTS' Python repr, as `train_search.py` logs it and `genotypes.py`
 * writes it (`Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), ...)`;
 * `range(a, b)` or a list for the concats; edges flat or grouped per node), or from JSON (an
 * object with the same four fields, edges as `[op, input]` arrays, e.g. from {@link genotypeToJson}).
 *
 * @throws ConfigurationError `BAD_GENOTYPE` naming what could not be read
 *
 * @example
 * ```ts
 * import { parseGenotype, formatGenotype } from '@autonas/space-cell';
 * const g = parseGenotype("Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1)], normal_concat=range(2, 3), reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], reduce_concat=[2])");
 * console.log(formatGenotype(g));
 * ```
 */
export function parseGenotype(text: string): Genotype {
  const src = String(text).trim();
  if (src.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(src);
    } catch (e) {
      throw bad(`genotype JSON does not parse: ${(e as Error).message}`);
    }
    return fromObject(json as Record<string, unknown>);
  }
  return fromObject(new PyReader(src).genotype());
}

function fromObject(o: Record<string, unknown>): Genotype {
  if (o === null || typeof o !== 'object') throw bad('a genotype must be an object');
  const edges = (v: unknown, k: string): GenotypeEdge[] => {
    if (!Array.isArray(v)) throw bad(`${k} must be a list of (op, input) pairs`);
    const flat = v.length > 0 && Array.isArray(v[0]) && Array.isArray(v[0][0]) ? v.flat() : v; // grouped per node
    return flat.map((e) => (Array.isArray(e) && e.length === 2 ? [e[0], e[1]] : e) as GenotypeEdge);
  };
  const known = new Set(['normal', 'normal_concat', 'reduce', 'reduce_concat']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw bad(`unknown genotype field "${k}" (fields: ${[...known].join(', ')})`);
  for (const k of known) if (!(k in o)) throw bad(`genotype lacks "${k}"`);
  return checkGenotype({
    normal: edges(o['normal'], 'normal'),
    normal_concat: o['normal_concat'] as number[],
    reduce: edges(o['reduce'], 'reduce'),
    reduce_concat: o['reduce_concat'] as number[],
  });
}

type PyValue = number | string | PyValue[];

/** A reader of the small part of Python literal syntax genotypes use. */
class PyReader {
  private i = 0;
  constructor(private readonly s: string) {}

  genotype(): Record<string, unknown> {
    this.word('Genotype');
    this.punct('(');
    const out: Record<string, unknown> = {};
    while (!this.peek(')')) {
      const key = this.ident();
      this.punct('=');
      out[key] = this.value();
      if (!this.peek(')')) this.punct(',');
    }
    this.punct(')');
    this.skip();
    if (this.i < this.s.length) throw this.error('text after the closing parenthesis');
    return out;
  }

  private value(): PyValue {
    this.skip();
    const c = this.s[this.i];
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      this.i++;
      const items: PyValue[] = [];
      while (!this.peek(close)) {
        items.push(this.value());
        if (!this.peek(close)) this.punct(',');
      }
      this.punct(close);
      return items;
    }
    if (c === "'" || c === '"') {
      const end = this.s.indexOf(c, this.i + 1);
      if (end < 0) throw this.error('unterminated string');
      const v = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return v;
    }
    if (c !== undefined && /[-\d]/.test(c)) {
      const m = /^-?\d+/.exec(this.s.slice(this.i))!;
      this.i += m[0].length;
      return Number(m[0]);
    }
    const name = this.ident();
    if (name !== 'range') throw this.error(`unexpected "${name}"`);
    this.punct('(');
    const args: number[] = [];
    while (!this.peek(')')) {
      const v = this.value();
      if (typeof v !== 'number') throw this.error('range() takes integers');
      args.push(v);
      if (!this.peek(')')) this.punct(',');
    }
    this.punct(')');
    const [a, b] = args.length === 1 ? [0, args[0]!] : [args[0]!, args[1]!];
    if (args.length < 1 || args.length > 2) throw this.error('range() takes one or two integers');
    return Array.from({ length: Math.max(0, b - a) }, (_, k) => a + k);
  }

  private skip(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  private peek(p: string): boolean {
    this.skip();
    return this.s[this.i] === p;
  }
  private punct(p: string): void {
    if (!this.peek(p)) throw this.error(`expected "${p}"`);
    this.i++;
  }
  private ident(): string {
    this.skip();
    const m = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i));
    if (!m) throw this.error('expected a name');
    this.i += m[0].length;
    return m[0];
  }
  private word(w: string): void {
    if (this.ident() !== w) throw this.error(`expected "${w}"`);
  }
  private error(what: string): ConfigurationError {
    return bad(`genotype text, at character ${this.i}: ${what} (near "${this.s.slice(this.i, this.i + 24)}")`);
  }
}

/**
 * Writes a genotype as DARTS' Python repr, the form `train_search.py` logs: concats that are a
 * contiguous run as `range(a, b)`, others as a list. {@link parseGenotype} reads it back exactly.
 *
 * @example
 * ```ts
 * import { DARTS_V2, formatGenotype } from '@autonas/space-cell';
 * console.log(formatGenotype(DARTS_V2)); // Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), ...)
 * ```
 */
export function formatGenotype(g: Genotype): string {
  const edges = (es: readonly GenotypeEdge[]) => `[${es.map(([op, i]) => `('${op}', ${i})`).join(', ')}]`;
  const concat = (c: readonly number[]) =>
    c.length > 1 && c.every((v, k) => v === c[0]! + k) ? `range(${c[0]}, ${c[c.length - 1]! + 1})` : `[${c.join(', ')}]`;
  return `Genotype(normal=${edges(g.normal)}, normal_concat=${concat(g.normal_concat)}, reduce=${edges(g.reduce)}, reduce_concat=${concat(g.reduce_concat)})`;
}

/**
 * A genotype as JSON: `{"normal": [["sep_conv_3x3", 0], ...], "normal_concat": [2, 3, 4, 5], ...}`.
 *
 * @example
 * ```ts
 * import { DARTS_V2, genotypeToJson, parseGenotype } from '@autonas/space-cell';
 * const text = genotypeToJson(DARTS_V2);
 * console.log(parseGenotype(text).normal.length); // 8
 * ```
 */
export function genotypeToJson(g: Genotype): string {
  return JSON.stringify({ normal: g.normal, normal_concat: g.normal_concat, reduce: g.reduce, reduce_concat: g.reduce_concat });
}
