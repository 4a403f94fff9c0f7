import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { jsonSyntaxError } from '../core/rules/json-syntax.js';
import { SHIPPED_PATH } from './fixtures/rules/ruleset-builders.js';

/** Seeded, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('JSON syntax errors of rule files', () => {
  it('finds an error exactly when JSON.parse rejects, over 5,000 corrupted copies of the shipped file', async () => {
    const base = readFileSync(SHIPPED_PATH, 'utf8');
    const chars = '{}[]",:\\ \n0123456789-+.eEtrufalsn\u0001ux';
    const next = random(17);
    const disagreements: string[] = [];
    for (let k = 0; k < 5000; k++) {
      let text = base;
      for (let e = 0; e < 1 + Math.floor(next() * 3); e++) {
        const at = Math.floor(next() * text.length);
        const r = next();
        if (r < 0.4) text = text.slice(0, at) + text.slice(at + 1);
        else if (r < 0.8) text = text.slice(0, at) + chars[Math.floor(next() * chars.length)] + text.slice(at);
        else text = text.slice(0, at);
      }
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      if (parses !== ((await jsonSyntaxError(text)).expected === 'valid JSON')) disagreements.push(`copy ${k}`);
    }
    expect(disagreements).to.deep.equal([]);
  });

  it('says where and what was expected, never what was found', async () => {
    const cases: Array<[string, string]> = [
      ['root:x:0:0:root:/root:/bin/bash', '1:1 a value: an object, array, string, number, true, false or null'],
      ['{\n  "a": 1,\n}', '3:1 a property name in double quotes (no comma before "}")'],
      ['{"a" 1}', '1:6 ":" after the property name'],
      ['[1 2]', '1:4 "," or "]"'],
      ['{"a": "secret', '1:14 a closing double quote, but the file ends'],
      ['{"a": "\\q"}', '1:9 an escape: one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX'],
      ['{"a": tru}', '1:7 a value (true, false or null, spelt out in lower case)'],
      ['{} trailing', '1:4 nothing after the end of the JSON document'],
    ];
    for (const [text, want] of cases) {
      const { line, column, expected } = await jsonSyntaxError(text);
      expect(`${line}:${column} ${expected}`, text).to.equal(want);
    }
  });
});
