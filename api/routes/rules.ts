import type { RequestHandler } from 'express';

/** GET /rules */
export function getRulesHandler(rulesStatus: () => Promise<unknown>): RequestHandler {
  return async (_req, res) => {
    res.json(await rulesStatus());
  };
}
