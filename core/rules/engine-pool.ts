import { Engine, Operator, Rule } from 'json-rules-engine';
import { OPERATORS } from './condition-check.js';
import type { RuleDefinition } from './ruleset-format.js';

/*
 * Why a pool: json-rules-engine keeps the run state in `engine.status`, one
 * field per Engine. `run()` sets it to RUNNING, and the first run to finish
 * sets it to FINISHED; `evaluateRules()` skips every rule of the remaining
 * priority levels while status is not RUNNING. So when two runs overlap on
 * one Engine, the one that finishes first makes the other silently drop its
 * lower-priority rules (engine.js, `evaluateRules` and `run`). Everything
 * else a run touches is per run (the Almanac, and the RuleResult that clones
 * the conditions before recording results on them). Giving each run an Engine
 * no other run holds therefore makes overlapping evaluations independent.
 */

interface DefaultOperator {
  evaluate(factValue: unknown, jsonValue: unknown): boolean;
}

let operators: Operator[] | undefined;

/**
 * json-rules-engine's default operators, except that a fact the patient did
 * not give never satisfies a condition: with `allowUndefinedFacts` a missing
 * bmi would otherwise make `notEqual` or `notIn` hold.
 */
function presentFactOperators(): Operator[] {
  if (operators === undefined) {
    const defaults = (new Engine() as unknown as { operators: { get(name: string): DefaultOperator | undefined } }).operators;
    operators = OPERATORS.map((name) => {
      const base = defaults.get(name);
      if (base === undefined) throw new Error(`json-rules-engine has no default operator "${name}"`);
      return new Operator(name, (fact: unknown, value: unknown) => base.evaluate(fact, value), (fact: unknown) => fact !== undefined);
    });
  }
  return operators;
}

/** Engines for one ruleset version, each lent to one run at a time. */
export class EnginePool {
  private readonly idle: Engine[] = [];

  constructor(
    private readonly rules: readonly RuleDefinition[],
    /** Engines kept for reuse after a burst; more are built when needed and then dropped. */
    private readonly maxIdle = 64,
  ) {
    this.idle.push(this.build());
  }

  async with<T>(use: (engine: Engine) => Promise<T>): Promise<T> {
    const engine = this.idle.pop() ?? this.build();
    try {
      return await use(engine);
    } finally {
      if (this.idle.length < this.maxIdle) this.idle.push(engine);
    }
  }

  private build(): Engine {
    const engine = new Engine([], { allowUndefinedFacts: true });
    for (const operator of presentFactOperators()) engine.addOperator(operator);
    for (const rule of this.rules) {
      engine.addRule(
        new Rule({
          name: rule.id,
          // One priority level for the engine: it then evaluates all rules in one
          // pass instead of one promise step per level. Order is applied afterwards.
          priority: 1,
          // The Rule keeps its own Condition objects; the definition is never touched.
          conditions: structuredClone(rule.conditions),
          event: { type: rule.recommendation.code },
        }),
      );
    }
    return engine;
  }
}
