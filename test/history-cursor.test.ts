import { expect } from 'chai';
import { AppError } from '../core/platform/errors.js';
import { decodeCursor, encodeCursor } from '../core/store/history-cursor.js';

function expectInvalid(cursor: string): void {
  let thrown: unknown;
  try {
    decodeCursor(cursor);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).to.be.instanceOf(AppError);
  const err = thrown as AppError;
  expect(err.code).to.equal('VALIDATION');
  expect(err.message).to.equal('cursor is not valid');
  expect(err.errors).to.deep.equal([{ path: '/query/cursor', message: 'not a cursor returned by this API' }]);
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

describe('history cursor', () => {
  const position = { createdAt: '2025-02-17T10:00:00.000Z', id: '0b6f6c1e-5a1d-4c8e-9f3a-1d2e3f4a5b6c' };

  it('decodes what it encoded', () => {
    expect(decodeCursor(encodeCursor(position))).to.deep.equal(position);
  });

  it('is opaque and safe in a URL query', () => {
    const cursor = encodeCursor(position);
    expect(cursor).to.match(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.to.include(position.id);
  });

  it('rejects garbage that is not base64url', () => {
    expectInvalid('not a cursor!');
    expectInvalid('%7B%7D');
  });

  it('rejects an empty cursor', () => {
    expectInvalid('');
  });

  it('rejects base64url that is not JSON', () => {
    expectInvalid(b64('{"t":'));
    expectInvalid('abc');
  });

  it('rejects JSON of the wrong shape', () => {
    expectInvalid(b64('null'));
    expectInvalid(b64('[]'));
    expectInvalid(b64('"2025-02-17T10:00:00.000Z"'));
    expectInvalid(b64('{}'));
    expectInvalid(b64(JSON.stringify({ t: position.createdAt })));
    expectInvalid(b64(JSON.stringify({ t: position.createdAt, i: 42 })));
    expectInvalid(b64(JSON.stringify({ t: position.createdAt, i: position.id, extra: 1 })));
  });

  it('rejects a position whose time is not an ISO instant', () => {
    expectInvalid(b64(JSON.stringify({ t: 'yesterday', i: position.id })));
    expectInvalid(b64(JSON.stringify({ t: '2025-13-45T99:99:99.000Z', i: position.id })));
  });

  it('rejects a position whose id could not be a recommendation id', () => {
    expectInvalid(b64(JSON.stringify({ t: position.createdAt, i: '' })));
    expectInvalid(b64(JSON.stringify({ t: position.createdAt, i: "x' OR 1=1 --" })));
    expectInvalid(b64(JSON.stringify({ t: position.createdAt, i: 'a'.repeat(200) })));
  });

  it('rejects huge input without decoding it', () => {
    expectInvalid('A'.repeat(100_000));
  });
});
