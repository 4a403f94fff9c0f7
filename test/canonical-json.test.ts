import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { generatedRuleset } from '../bench/generated-ruleset.js';
import { canonicalJson, writeCanonicalJsonInSlices } from '../core/domain/canonical-json.js';

/** The hand-written form the Idempotency-Key fingerprints were made with before: stored claims must still match. */
function earlierCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(earlierCanonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${earlierCanonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonical JSON', () => {
  const body = { patient_id: 'p-1', observations: { z: 1, a: [true, { y: 'é"\\', b: null }] }, age: 70, bmi: -0 };

  it('sorts every object key, so key order does not change the text', () => {
    const reordered = { bmi: -0, age: 70, observations: { a: [true, { b: null, y: 'é"\\' }], z: 1 }, patient_id: 'p-1' };
    expect(canonicalJson(reordered)).to.equal(canonicalJson(body));
    expect(canonicalJson(body)).to.equal('{"age":70,"bmi":0,"observations":{"a":[true,{"b":null,"y":"é\\"\\\\"}],"z":1},"patient_id":"p-1"}');
  });

  it('gives the same text as the earlier fingerprint form, so stored idempotency claims still match', async () => {
    const shipped: unknown = JSON.parse(await readFile('rules/1.0.0.json', 'utf8'));
    for (const value of [body, shipped, [], {}, 'text', 12.5, null]) expect(canonicalJson(value)).to.equal(earlierCanonicalJson(value));
  });

  it('writes the same text in slices, pausing between the slices of a large array', async () => {
    const ruleset: unknown = JSON.parse(JSON.stringify(generatedRuleset(1000, '1.0.0')));
    let pauses = 0;
    const sliced = await inSlices(ruleset, async () => void (pauses += 1), 250);

    expect(sliced).to.equal(canonicalJson(ruleset));
    expect(pauses).to.equal(3);
    for (const value of [body, [], {}, [1, [2, 3], {}], 'text', null]) expect(await inSlices(value, async () => undefined)).to.equal(canonicalJson(value));
  });
});

async function inSlices(value: unknown, pause: () => Promise<void>, sliceSize?: number): Promise<string> {
  const pieces: string[] = [];
  await writeCanonicalJsonInSlices(value, (piece) => pieces.push(piece), pause, sliceSize);
  return pieces.join('');
}
