import { Router } from 'express';

export function rulesRoutes(rulesStatus: () => unknown): Router {
  const router = Router();
  router.get('/rules', (_req, res) => {
    res.json(rulesStatus());
  });
  return router;
}
