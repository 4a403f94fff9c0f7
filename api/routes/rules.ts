import type { RequestHandler } from 'express';

/** GET /rules */
export function getRulesHandler(rulesStatus: () => unknown): RequestHandler {
  return (_req, res) => {
    res.json(rulesStatus());
  };
}
