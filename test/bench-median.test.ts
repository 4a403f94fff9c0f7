import { expect } from 'chai';
import { median } from '../bench/median.js';

describe('bench: median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([0.31, 0.16, 0.39, 0.19, 0.23])).to.equal(0.23);
  });

  it('takes the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).to.equal(2.5);
  });

  it('is NaN for no values, rather than a made-up zero', () => {
    expect(Number.isNaN(median([]))).to.equal(true);
  });
});
