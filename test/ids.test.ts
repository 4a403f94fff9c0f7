import { randomFillSync } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { createUuidV7Generator, uuidv7 } from '../core/domain/ids.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020();
addFormats(ajv);
/** What openapi.yaml says of a recommendation id. */
const isUuid = ajv.compile({ type: 'string', format: 'uuid' });

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const timestampOf = (id: string): number => parseInt(id.replace('-', '').slice(0, 12), 16);

function expectStrictlyIncreasing(ids: string[]): void {
  const firstOutOfOrder = ids.findIndex((id, i) => i > 0 && id <= (ids[i - 1] as string));
  expect(firstOutOfOrder, `${ids[firstOutOfOrder]} came after ${ids[firstOutOfOrder - 1]}`).to.equal(-1);
}

describe('UUIDv7 ids', () => {
  it('are lowercase 8-4-4-4-12 hex with version 7 and variant 10, and satisfy format: uuid', () => {
    for (let i = 0; i < 1000; i += 1) {
      const id = uuidv7();
      expect(id).to.match(UUID_V7);
      expect(isUuid(id), id).to.equal(true);
    }
  });

  it('start with the Unix time in milliseconds (48 bits)', () => {
    const at = Date.UTC(2026, 10, 27, 10, 0, 0, 123);
    const id = createUuidV7Generator({ now: () => at })();
    expect(id.slice(0, 13).replace('-', '')).to.equal(at.toString(16).padStart(12, '0'));
    expect(timestampOf(id)).to.equal(at);
  });

  it('increase strictly over many ids made within one millisecond', () => {
    const next = createUuidV7Generator({ now: () => 1_700_000_000_000 });
    const ids = Array.from({ length: 20_000 }, next);
    expect(new Set(ids.map(timestampOf))).to.deep.equal(new Set([1_700_000_000_000]));
    expectStrictlyIncreasing(ids);
  });

  it('keep increasing when the clock goes back', () => {
    const clock = [5000, 5000, 4000, 3999, 5000, 5001];
    const next = createUuidV7Generator({ now: () => clock.shift() ?? 6000 });
    const ids = Array.from({ length: 6 }, next);
    expectStrictlyIncreasing(ids);
    expect(ids.map(timestampOf)).to.deep.equal([5000, 5000, 5000, 5000, 5000, 5001]);
  });

  it('borrow the next millisecond when the counter runs out, still increasing', () => {
    // All-ones random bytes seed the counter at its maximum: the next id in that millisecond overflows it.
    const next = createUuidV7Generator({ now: () => 9000, fillRandom: (buffer) => buffer.fill(0xff) });
    const ids = [next(), next(), next()];
    expectStrictlyIncreasing(ids);
    expect(ids.map(timestampOf)).to.deep.equal([9000, 9001, 9002]);
  });

  it('sort in creation order and are unique over 100k ids from the process-wide generator', () => {
    const ids = Array.from({ length: 100_000 }, () => uuidv7());
    expect(new Set(ids).size).to.equal(ids.length);
    expectStrictlyIncreasing(ids);
  });

  it('carry random bits: two generators on the same clock do not collide', () => {
    const a = createUuidV7Generator({ now: () => 42 });
    const b = createUuidV7Generator({ now: () => 42 });
    const fromA = new Set(Array.from({ length: 1000 }, a));
    expect(Array.from({ length: 1000 }, b).filter((id) => fromA.has(id))).to.deep.equal([]);
  });

  it('draw random bytes in bulk: one fill of the pool serves hundreds of ids', () => {
    let fills = 0;
    const next = createUuidV7Generator({
      fillRandom: (buffer) => {
        fills += 1;
        randomFillSync(buffer);
      },
    });
    for (let i = 0; i < 1000; i += 1) next();
    expect(fills).to.be.within(1, 3);
  });
});
