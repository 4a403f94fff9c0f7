import { expect } from 'chai';
import { cpuSeconds, cpuTicks } from '../bench/process-cpu.js';

describe('bench: process CPU time', () => {
  it('adds utime and stime from a /proc/<pid>/stat line', () => {
    const stat = '4242 (node) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 56 0 0 20 0 11 0 2000 1000000 30000';

    expect(cpuTicks(stat)).to.equal(1234 + 56);
  });

  it('counts fields from the last parenthesis, since a command name may hold spaces and parentheses', () => {
    const stat = '4242 (my (odd) name) R 1 4242 4242 0 -1 4194560 5000 0 0 0 700 300 0 0 20 0 11 0 2000 1000000 30000';

    expect(cpuTicks(stat)).to.equal(1000);
  });

  it('reads this very process, where /proc exists', function () {
    const seconds = cpuSeconds(process.pid);
    if (seconds === undefined) this.skip();

    expect(seconds).to.be.a('number').and.to.be.at.least(0);
  });

  it('gives undefined for a process that does not exist', () => {
    expect(cpuSeconds(2 ** 30)).to.equal(undefined);
  });
});
