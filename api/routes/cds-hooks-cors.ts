import type { RequestHandler } from 'express';

/**
 * CORS for the CDS Hooks endpoints only: browser-based CDS clients (the
 * public CDS Hooks sandbox among them) call them from another origin, as the
 * specification expects. No cookies are involved, so any origin may call;
 * the bearer token is what authorises a hook call.
 */
export const cdsHooksCors: RequestHandler = (req, res, next) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id');
  if (req.method !== 'OPTIONS') return next();
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
  res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Request-Id');
  res.setHeader('Access-Control-Max-Age', '600');
  res.status(204).end();
};
