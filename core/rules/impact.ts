import type { PatientFacts, RulesetRef } from '../domain/recommendation.js';
import { yieldToEventLoop } from './in-slices.js';

/**
 * Impact analysis: what a candidate ruleset would change in the decisions
 * already made. Each stored decision is replayed on the facts it was made
 * on, and the codes the candidate fires are compared with the codes stored.
 * Pure: the decisions come from any async source (the store's
 * iterateDecisions), one at a time, so memory stays flat.
 */
export interface StoredDecisionToReplay {
  id: string;
  codes: string[];
  /** Absent: stored before facts were kept, so it cannot be replayed. */
  facts?: PatientFacts;
}

export interface Candidate {
  ref: RulesetRef;
  codes(facts: PatientFacts): string[];
}

export interface CodeImpact {
  code: string;
  /** Decisions that did not have this code and would get it. */
  gained: number;
  /** Decisions that had it and would not. */
  lost: number;
  /** Up to EXAMPLES recommendation ids of each, oldest first. */
  gained_examples: string[];
  lost_examples: string[];
}

export interface ImpactReport {
  candidate: RulesetRef;
  /** The lower bound asked for (ISO-8601), or null for every stored decision. */
  since: string | null;
  replayed: number;
  /** Decisions whose set of codes would differ. */
  changed: number;
  unchanged: number;
  /** Stored without their facts (before provenance was kept). */
  not_replayable: number;
  /** Codes gained or lost, most affected first. */
  codes: CodeImpact[];
}

export const EXAMPLES = 10;

/** Decisions between two yields to the event loop, so a replay in the API never starves requests. */
const YIELD_EVERY = 1000;

export async function replayImpact(candidate: Candidate, decisions: AsyncIterable<StoredDecisionToReplay>, since?: string): Promise<ImpactReport> {
  const byCode = new Map<string, CodeImpact>();
  const impactOf = (code: string): CodeImpact => {
    let impact = byCode.get(code);
    if (impact === undefined) {
      impact = { code, gained: 0, lost: 0, gained_examples: [], lost_examples: [] };
      byCode.set(code, impact);
    }
    return impact;
  };
  let replayed = 0;
  let changed = 0;
  let notReplayable = 0;
  let seen = 0;
  for await (const decision of decisions) {
    seen += 1;
    if (seen % YIELD_EVERY === 0) await yieldToEventLoop();
    if (decision.facts === undefined) {
      notReplayable += 1;
      continue;
    }
    replayed += 1;
    const before = new Set(decision.codes);
    const after = new Set(candidate.codes(decision.facts));
    let differs = false;
    for (const code of after) {
      if (before.has(code)) continue;
      differs = true;
      const impact = impactOf(code);
      impact.gained += 1;
      if (impact.gained_examples.length < EXAMPLES) impact.gained_examples.push(decision.id);
    }
    for (const code of before) {
      if (after.has(code)) continue;
      differs = true;
      const impact = impactOf(code);
      impact.lost += 1;
      if (impact.lost_examples.length < EXAMPLES) impact.lost_examples.push(decision.id);
    }
    if (differs) changed += 1;
  }
  const codes = [...byCode.values()].sort((a, b) => b.gained + b.lost - (a.gained + a.lost) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { candidate: candidate.ref, since: since ?? null, replayed, changed, unchanged: replayed - changed, not_replayable: notReplayable, codes };
}

/**
 * `--since`: a day (`2026-01-01`, from midnight UTC) or a full ISO-8601
 * time, as the ISO string stored `created_at` values compare against;
 * undefined when it is neither.
 */
export function sinceBound(text: string): string | undefined {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00.000Z` : text;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(day)) return undefined;
  const time = Date.parse(day);
  if (Number.isNaN(time)) return undefined;
  const iso = new Date(time).toISOString();
  // Date.parse rolls 2026-02-30 over into March; a day that does not exist is a typo.
  return iso.slice(0, 10) === day.slice(0, 10) ? iso : undefined;
}
