import { expect } from 'chai';
import { parseOptions, UsageError } from '../bench/options.js';

describe('bench: command-line options', () => {
  it('launches the service with no node flags by default, at the budget load', () => {
    const options = parseOptions([]);

    expect(options.nodeFlags).to.deep.equal([]);
    expect(options).to.include({ duration: 10, rounds: 5, connections: 50, memoryRequests: 100_000, redis: false, strict: false });
    expect([...options.scenarios]).to.deep.equal(['evaluate', 'recommendation', 'history', 'cds-hooks', 'memory', 'rules']);
  });

  it('offers --single-threaded-gc, and any other node flag, with --node-flag=<flag> (repeatable)', () => {
    const options = parseOptions(['--node-flag=--single-threaded-gc', '--node-flag=--max-semi-space-size=16']);

    expect(options.nodeFlags).to.deep.equal(['--single-threaded-gc', '--max-semi-space-size=16']);
  });

  it('refuses a node flag given as the next argument, which would read as a bench option', () => {
    expect(() => parseOptions(['--node-flag', '--single-threaded-gc'])).to.throw(UsageError, /--node-flag=/);
  });

  it('refuses a --node-flag that is not a flag, an unknown scenario and a non-positive number', () => {
    expect(() => parseOptions(['--node-flag=single-threaded-gc'])).to.throw(UsageError, /node flag/);
    expect(() => parseOptions(['--scenario', 'thread'])).to.throw(UsageError, /unknown scenario "thread"/);
    expect(() => parseOptions(['--rounds', '0'])).to.throw(UsageError, /--rounds must be a positive number/);
  });
});
