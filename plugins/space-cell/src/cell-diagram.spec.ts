import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '@autonas/core';
import { genotypeToDot, genotypeToSvg } from './cell-diagram.js';
import { DARTS_V2, type Genotype } from './genotype.js';

describe('cell pictures', () => {
  it('draws every edge but none, labelled with its op, and the concat', () => {
    const g: Genotype = { normal: [['sep_conv_3x3', 0], ['none', 1], ['skip_connect', 2], ['dil_conv_5x5', 1]], normal_concat: [2, 3], reduce: DARTS_V2.reduce, reduce_concat: DARTS_V2.reduce_concat };
    const dot = genotypeToDot(g, 'normal');
    expect(dot).toContain('"c_{k-2}" -> "0" [label="sep_conv_3x3"');
    expect(dot).toContain('"0" -> "1" [label="skip_connect"');
    expect(dot).not.toContain('none');
    expect(dot.match(/-> "c_\{k\}"/g)).toHaveLength(2);
    const svg = genotypeToSvg(g, 'normal');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path d=/g)).toHaveLength(3 + 2 + 1); // 3 edges, 2 concat arrows, the marker
    expect(svg).toContain('>dil_conv_5x5</text>');
    expect(() => genotypeToSvg(g, 'other' as never)).toThrow(ConfigurationError);
  });

  it('keeps the pictures in the docs page equal to what the code draws', () => {
    const page = fs.readFileSync(path.join(import.meta.dirname, '../../../docs/pages/10-cell-spaces.md'), 'utf8');
    expect(page).toContain(genotypeToSvg(DARTS_V2, 'normal').trimEnd());
    expect(page).toContain(genotypeToSvg(DARTS_V2, 'reduce').trimEnd());
  });
});
