import { expect } from 'chai';
import { EvaluateLog } from '../bench/evaluate-log.js';
import { aRecommendation } from './helpers/fixtures.js';

describe('bench: EvaluateLog', () => {
  it('reads the id and ruleset version of a compact recommendation, wherever the keys sit', () => {
    const log = new EvaluateLog(10);
    const rec = aRecommendation({ patient_id: 'bench-7', ruleset: { name: 'clinical-recommendations', version: '1.2.3', hash: `sha256:${'cd'.repeat(32)}` } });
    const { id, ...rest } = rec;

    log.record(201, JSON.stringify(rec));
    log.record(201, JSON.stringify({ ...rest, id }));

    expect(log.ids).to.deep.equal([rec.id, rec.id]);
    expect(log.versions.get('1.2.3')?.count).to.equal(2);
    expect(log.lastVersion).to.equal('1.2.3');
  });

  it('is not fooled by "id" or "version" quoted inside a string value', () => {
    const log = new EvaluateLog(10);
    const { id, ...rest } = aRecommendation({ recommendation: 'say "id":"x" and "version":"9.9.9"' });
    const body = JSON.stringify({ recommendation: rest.recommendation, ruleset: rest.ruleset, id });

    log.record(201, body);

    expect(log.ids).to.deep.equal([id]);
    expect([...log.versions.keys()]).to.deep.equal(['1.0.0']);
  });

  it('finds them by string search, without parsing the body', () => {
    const log = new EvaluateLog(10);
    const truncated = '{"id":"0b6f6c1e-3f0a-4c1e-9a53-1d2b3c4d5e6f","ruleset":{"name":"clinical-recommendations","version":"1.0.1","ha';

    log.record(201, truncated);

    expect(log.ids).to.deep.equal(['0b6f6c1e-3f0a-4c1e-9a53-1d2b3c4d5e6f']);
    expect(log.lastVersion).to.equal('1.0.1');
  });

  it('falls back to parsing a body that is not compact JSON', () => {
    const log = new EvaluateLog(10);
    const rec = aRecommendation();

    log.record(201, JSON.stringify(rec, null, 2));

    expect(log.ids).to.deep.equal([rec.id]);
    expect(log.lastVersion).to.equal('1.0.0');
  });

  it('keeps no more ids than asked, and still counts versions past that', () => {
    const log = new EvaluateLog(2);
    const recs = [aRecommendation(), aRecommendation(), aRecommendation()];

    for (const rec of recs) log.record(201, JSON.stringify(rec));

    expect(log.ids).to.deep.equal([recs[0]?.id, recs[1]?.id]);
    expect(log.versions.get('1.0.0')?.count).to.equal(3);
  });

  it('ignores anything but 201 Created', () => {
    const log = new EvaluateLog(10);

    log.record(200, JSON.stringify(aRecommendation()));
    log.record(400, '{"type":"about:blank","status":400}');

    expect(log.ids).to.deep.equal([]);
    expect(log.versions.size).to.equal(0);
  });
});
