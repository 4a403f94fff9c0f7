import path from 'node:path';
import { expect } from 'chai';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { readingClient } from './helpers/reading-client.js';

// The rules the service runs: the active ruleset and every file it found.

describe('Reading recommendations', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  const { evaluate } = readingClient(() => svc);

  describe('GET /rules', () => {
    it('returns the active ruleset stamped on new recommendations, and the shipped file', async () => {
      const created = await evaluate({ patient_id: uniquePatientId(), age: 40 });

      const res = await svc.http.get('/rules').set('Authorization', `Bearer ${svc.token(['rules:read'])}`);

      expect(res.status).to.equal(200);
      expectMatchesSpec(res, '/rules', 'get');
      expect(res.body.active).to.include({ name: created.ruleset.name, version: created.ruleset.version, hash: created.ruleset.hash });
      expect(res.body.active.rules.map((r: { code: string }) => r.code)).to.include.members([
        'PHYSICAL_THERAPY',
        'WEIGHT_MANAGEMENT_PROGRAM',
        'POST_OP_REHABILITATION_PLAN',
      ]);
      const versions = res.body.versions as Array<{ file: string; version: string; status: string; error?: string }>;
      const active = versions.filter((v) => v.status === 'active');
      expect(active).to.have.length(1);
      expect(active[0]?.version).to.equal(res.body.active.version);
      const shipped = versions.find((v) => path.basename(v.file) === '1.0.0.json');
      expect(shipped, 'rules/1.0.0.json is listed').to.not.equal(undefined);
      expect(shipped).to.include({ version: '1.0.0' });
      expect(shipped?.status).to.be.oneOf(['active', 'valid']);
      expect(shipped).to.not.have.property('error');
      expect(res.body.last_reload.ok).to.equal(true);
    });
  });
});
