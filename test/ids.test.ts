import { expect } from 'chai';
import { v7 as uuidv7, version } from 'uuid';

// The stores list a patient's history by id within one millisecond, so
// recommendation ids must be v7 and sort by creation order within a process.
describe('recommendation ids (uuid v7)', () => {
  it('are version 7 and sort in creation order over 20k ids made in a tight loop', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    expect(new Set(ids.map(version))).to.deep.equal(new Set([7]));
    const firstOutOfOrder = ids.findIndex((id, i) => i > 0 && id <= (ids[i - 1] as string));
    expect(firstOutOfOrder, `${ids[firstOutOfOrder]} came after ${ids[firstOutOfOrder - 1]}`).to.equal(-1);
  });
});
