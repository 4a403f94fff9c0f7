import type { Decision, PatientFacts, RulesetRef } from '../domain/recommendation.js';
import { factLayout } from './compile-facts.js';
import { guardOf, RuleIndexBuilder } from './compile-index.js';
import type { FactValues } from './compile-operators.js';
import { ConditionProgramBuilder, holdsAt } from './condition-program.js';
import { reasonWriter } from './condition-reasons.js';
import { yieldToEventLoop } from './in-slices.js';
import { byPriorityThenId, firedRule, type RuleDefinition, type RulesetDefinition } from './ruleset-format.js';

/**
 * One ruleset version, compiled once into plain synchronous functions, ready
 * to evaluate many patients. json-rules-engine stays the format and the
 * reference semantics (reference-ruleset.ts); docs/adr/0003-compiled-rules.md
 * says why the service does not run it per request.
 */
export interface CompiledRuleset {
  readonly ref: RulesetRef;
  readonly definition: RulesetDefinition;
  /** The rules in the order decisions report them: priority, then id. */
  readonly ordered: readonly RuleDefinition[];
  /** Every rule that fires, highest priority first (then by rule id), with its reasons. */
  decide(facts: PatientFacts): Decision;
  /** The codes `decide` would give, in the same order, without building reasons: for replay. */
  codes(facts: PatientFacts): string[];
  /** `decide` behind a promise, for the Recommender port. */
  evaluate(facts: PatientFacts): Promise<Decision>;
}

export interface CompileOptions {
  /** Rules compiled between two yields to the event loop; default 250. */
  sliceSize?: number;
}

/**
 * Compiles in slices, yielding to the event loop between them, so a large
 * new version being prepared never holds up the requests being served.
 */
export async function compileRuleset(definition: RulesetDefinition, ref: RulesetRef, options: CompileOptions = {}): Promise<CompiledRuleset> {
  const sliceSize = options.sliceSize ?? 250;
  const layout = factLayout(definition);
  // Evaluated in output order, so fired rules come out sorted without a sort per patient.
  const ordered = [...definition.rules].sort(byPriorityThenId);
  const builder = new ConditionProgramBuilder(layout.slotOf);
  const starts: number[] = [];
  const indexing = new RuleIndexBuilder();
  for (let start = 0; start < ordered.length; start += sliceSize) {
    if (start > 0) await yieldToEventLoop();
    for (const rule of ordered.slice(start, start + sliceSize)) {
      starts.push(builder.emit(rule.conditions));
      indexing.add(guardOf(rule.conditions, layout.slotOf));
    }
  }
  await yieldToEventLoop();
  const program = builder.build();
  const entry = Int32Array.from(starts);
  const reasonsOf = reasonWriter(program);
  const index = indexing.build();
  // Scratch for one evaluation at a time: evaluation is synchronous, so no two ever share it.
  const marks = new Uint8Array(ordered.length);

  /** Indexes (in output order) of the rules that fire: only candidates the index marked run their condition. */
  function firedIndexes(values: FactValues): number[] {
    index.mark(values, marks);
    const fired: number[] = [];
    for (let i = 0; i < marks.length; i += 1) {
      if (marks[i] === 0) continue;
      marks[i] = 0;
      if (holdsAt(program, entry[i] as number, values)) fired.push(i);
    }
    return fired;
  }

  function decide(facts: PatientFacts): Decision {
    const values = layout.valuesOf(facts);
    const recommendations = firedIndexes(values).map((i) => {
      const rule = ordered[i] as RuleDefinition;
      return firedRule(rule, reasonsOf(entry[i] as number, values));
    });
    return { ruleset: ref, recommendations };
  }

  return {
    ref,
    definition,
    ordered,
    decide,
    codes: (facts) => firedIndexes(layout.valuesOf(facts)).map((i) => (ordered[i] as RuleDefinition).recommendation.code),
    evaluate: async (facts) => decide(facts),
  };
}
