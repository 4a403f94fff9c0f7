import { Router } from 'express';
import { checkHealth, type HealthCheck } from './health.js';
import type { Metrics } from './metrics.js';

/** /health/live, /health/ready and /metrics: served by the API and the worker alike. */
export function opsRoutes(checks: HealthCheck[], metrics: Metrics): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req, res) => {
    const report = await checkHealth(checks);
    res.status(report.status === 'unavailable' ? 503 : 200).json(report);
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
