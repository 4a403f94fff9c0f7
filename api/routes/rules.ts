import { Router, type RequestHandler } from 'express';

export function rulesRoutes(auth: RequestHandler, rulesStatus: () => unknown): Router {
  const router = Router();
  router.get('/rules', auth, (_req, res) => {
    res.json(rulesStatus());
  });
  return router;
}
