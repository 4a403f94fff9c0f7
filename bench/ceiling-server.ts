// The ceiling for `npm run bench`: a bare express 5 JSON route, run as its own
// process exactly like the service, so "ratio to ceiling" compares like with like.
// Usage: node --import tsx bench/ceiling-server.ts <port>
import express from 'express';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: ceiling-server.ts <port>\n');
  process.exit(2);
}

/** About the size and shape of a recommendation, so serialisation costs are comparable. */
const BODY = {
  id: '0b6f6c1e-3f0a-4c1e-9a53-1d2b3c4d5e6f',
  patient_id: 123,
  recommendation: 'Physical Therapy',
  recommendations: [
    {
      code: 'PHYSICAL_THERAPY',
      title: 'Physical Therapy',
      rule: 'elderly-chronic-pain',
      priority: 30,
      reasons: ['age 70 > 65', 'chronic_pain is true'],
    },
  ],
  ruleset: { name: 'clinical-recommendations', version: '1.0.0', hash: 'sha256:0000000000000000000000000000000000000000000000000000000000000000' },
  created_at: '2025-02-17T10:00:00.000Z',
  notifications: [{ channel: 'email', status: 'sent', sent_at: '2025-02-17T10:00:00.100Z' }],
};

// Served with app.listen, as users run express: not with the service's own
// server (core/platform/http-server.ts), so the ceiling is stock express.
const app = express();
app.get('/', (_req, res) => {
  res.json(BODY);
});
const server = app.listen(port);
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
