import { expect } from 'chai';
import { percentile } from '../bench/percentile.js';

describe('bench: percentile', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('gives the smallest value with at least that fraction at or below it', () => {
    expect(percentile(hundred, 0.5)).to.equal(50);
    expect(percentile(hundred, 0.975)).to.equal(98);
    expect(percentile(hundred, 0.99)).to.equal(99);
    expect(percentile(hundred, 1)).to.equal(100);
  });

  it('gives the single value of a one-value set at every fraction', () => {
    expect(percentile(Float64Array.of(7.5), 0.01)).to.equal(7.5);
    expect(percentile(Float64Array.of(7.5), 0.99)).to.equal(7.5);
  });

  it('gives NaN for no values', () => {
    expect(Number.isNaN(percentile(new Float64Array(0), 0.99))).to.equal(true);
  });

  it('refuses a fraction outside (0, 1]', () => {
    expect(() => percentile(hundred, 0)).to.throw(RangeError);
    expect(() => percentile(hundred, 99)).to.throw(RangeError);
  });
});
