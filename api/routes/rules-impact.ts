import express, { type Request, type RequestHandler } from 'express';
import { AppError } from '../../core/platform/errors.js';
import { replayImpact, sinceBound } from '../../core/rules/impact.js';
import { checkRulesetBytes } from '../../core/rules/ruleset-file.js';
import type { RecommendationStore } from '../../core/store/store.js';

/** The route whose body is a ruleset file, not a patient: its limit is RULES_MAX_FILE_BYTES, not 64 KiB. */
export const RULES_IMPACT_PATH = '/rules/impact';

type WithRawBody = Request & { rawBody?: Buffer };

/**
 * Parses the candidate as JSON for the spec-driven validator and keeps its
 * bytes, so the candidate is checked, and hashed, exactly as a file would be.
 */
export function rulesetBodyParser(maxBytes: number): RequestHandler {
  return express.json({
    limit: maxBytes,
    strict: true,
    type: () => true,
    verify: (req, _res, bytes) => {
      (req as WithRawBody).rawBody = bytes;
    },
  });
}

/** POST /rules/impact: the impact report of a candidate ruleset over the stored decisions. */
export function rulesImpactHandler(store: RecommendationStore): RequestHandler {
  return async (req, res) => {
    const given = req.query.since;
    const since = typeof given === 'string' ? sinceBound(given) : undefined;
    if (given !== undefined && since === undefined) {
      throw new AppError('VALIDATION', 'since is not a date', [{ path: '/query/since', message: 'expected a date (2026-01-01) or an ISO-8601 time' }]);
    }
    const bytes = (req as WithRawBody).rawBody ?? Buffer.from(JSON.stringify(req.body));
    const checked = await checkRulesetBytes(bytes, 'candidate');
    if (checked.compiled === undefined) {
      throw new AppError(
        'VALIDATION',
        'the candidate ruleset is invalid',
        checked.problems.map((p) => ({ path: `/body${p.pointer}`, message: p.message })),
      );
    }
    res.json(await replayImpact(checked.compiled, store.iterateDecisions(since), since));
  };
}
