import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { runWithContext } from '../core/platform/request-context.js';

/** A client's id is echoed only when it is short, printable and safe to log. */
const USABLE_ID = /^[\x21-\x7E]{1,128}$/;

export const requestId: RequestHandler = (req, res, next) => {
  const sent = req.get('x-request-id');
  const id = sent !== undefined && USABLE_ID.test(sent) ? sent : randomUUID();
  res.setHeader('X-Request-Id', id);
  res.locals.requestId = id;
  runWithContext({ requestId: id }, next);
};
