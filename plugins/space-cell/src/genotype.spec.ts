import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@autonas/core';
import { DARTS_V1, DARTS_V2, checkGenotype, formatGenotype, genotypeToJson, parseGenotype } from './genotype.js';

/** DARTS_V2 as written in DARTS' genotypes.py (concats as lists, edges over several lines). */
const V2_PY = `Genotype(
    normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1),
            ('sep_conv_3x3', 1),
            ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)],
    normal_concat=[2, 3, 4, 5],
    reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1),
            ('max_pool_3x3', 0),
            ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)],
    reduce_concat=[2, 3, 4, 5])`;

describe('genotype interchange', () => {
  it('reads the published DARTS_V2 text and the form train_search.py logs', () => {
    expect(parseGenotype(V2_PY)).toEqual(DARTS_V2);
    const logged = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))";
    expect(formatGenotype(DARTS_V2)).toBe(logged);
    expect(parseGenotype(logged)).toEqual(DARTS_V2);
  });

  it('round-trips through the Python form and JSON, and reads edges grouped per node', () => {
    for (const g of [DARTS_V1, DARTS_V2]) {
      expect(parseGenotype(formatGenotype(g))).toEqual(g);
      expect(parseGenotype(genotypeToJson(g))).toEqual(g);
    }
    const odd = { normal: [['skip_connect', 1], ['avg_pool_3x3', 0], ['none', 2], ['sep_conv_5x5', 1]], normal_concat: [3], reduce: [['max_pool_3x3', 0], ['dil_conv_5x5', 1]], reduce_concat: [0, 2] };
    expect(parseGenotype(JSON.stringify(odd))).toEqual(odd);
    expect(parseGenotype(formatGenotype(odd as never))).toEqual(odd);
    const grouped = `Genotype(normal=[[("sep_conv_3x3", 1), ("sep_conv_3x3", 0)], [("skip_connect", 2), ("sep_conv_3x3", 0)]], normal_concat=range(2, 4), reduce=[[("skip_connect", 0), ("max_pool_3x3", 1)], [("skip_connect", 2), ("sep_conv_3x3", 0)]], reduce_concat=range(2, 4))`;
    expect(parseGenotype(grouped).normal).toEqual([['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['skip_connect', 2], ['sep_conv_3x3', 0]]);
  });

  it('names what is wrong with a bad genotype', () => {
    const err = (text: string, pattern: RegExp) => {
      expect(() => parseGenotype(text)).toThrow(ConfigurationError);
      expect(() => parseGenotype(text)).toThrow(pattern);
    };
    err("Genotype(normal=[('sep_conv_3x3', 0)], normal_concat=[2], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], reduce_concat=[2])", /two edges per node/);
    err("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 2)], normal_concat=[2], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], reduce_concat=[2])", /node 2 can only read states 0..1/);
    err("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)], normal_concat=[5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], reduce_concat=[2])", /normal_concat must list states in 0..2/);
    err("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)], normal_concat=[2], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)])", /lacks "reduce_concat"/);
    err("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)] normal_concat=[2])", /expected ","/);
    err('{"normal": [["a", 0]', /JSON does not parse/);
    err('Genotipe()', /expected "Genotype"/);
    expect(() => checkGenotype(DARTS_V2, ['sep_conv_3x3'])).toThrow(/unknown op "skip_connect"/);
  });
});
