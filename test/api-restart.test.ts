import { expect } from 'chai';
import { rm } from 'node:fs/promises';
import { startTestService, uniquePatientId } from './helpers/api-service.js';
import { expectNotifiedOnEveryChannel } from './helpers/notifications.js';

describe('restart', () => {
  it('serves what was stored before a restart: the recommendation, its notification, the history and the report', async () => {
    // Arrange: one recommendation, fully processed, then a clean stop.
    const first = await startTestService();
    const dataDir = first.dataDir;
    try {
      const patientId = uniquePatientId();
      const created = await first.http
        .post('/evaluate')
        .set('Authorization', `Bearer ${first.token()}`)
        .send({ patient_id: patientId, age: 72, chronic_pain: true });
      expect(created.status).to.equal(201);
      await first.processed(created.body.id);
      const before = await first.http.get(`/recommendation/${created.body.id}`).set('Authorization', `Bearer ${first.token()}`);
      await first.stop({ keepData: true });

      // Act: a new process on the same DATA_DIR.
      const second = await startTestService({}, dataDir);
      try {
        const auth = `Bearer ${second.token()}`;
        const after = await second.http.get(`/recommendation/${created.body.id}`).set('Authorization', auth);
        const history = await second.http.get(`/patients/${patientId}/recommendations`).set('Authorization', auth);
        const report = await second.http.get('/reports/summary').set('Authorization', auth);

        // Assert
        expect(after.status).to.equal(200);
        expect(after.body).to.deep.equal(before.body);
        expectNotifiedOnEveryChannel(after.body.notifications);
        expect(history.body.items.map((r: { id: string }) => r.id)).to.deep.equal([created.body.id]);
        expect(report.body.total).to.equal(1);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
