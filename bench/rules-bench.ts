import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../core/platform/logger.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { toFacts } from '../core/domain/patient-facts.js';
import type { PatientFacts } from '../core/domain/recommendation.js';
import type { Recommender } from '../core/rules/recommender.js';
import { checkRulesetBytes, checkRulesetFile } from '../core/rules/ruleset-file.js';
import { impactRate } from './impact-bench.js';
import { createRulesetRegistry, createRulesRecommender } from '../core/rules/ruleset-registry.js';
import { generatedRuleset, type RulesetShape } from './generated-ruleset.js';
import { patientSource } from './patients.js';
import { median } from './median.js';

export interface RulesBenchResult {
  shipped: { evaluationsPerSec: number };
  generated: { rules: number; evaluationsPerSec: number };
  /** checkRulesetFile (parse, schema, semantics, compile, embedded tests), median of 5 runs. */
  validateCompileMs: { shipped: number; generated: number };
  /** From writing a new 200-rule version into a watched folder until the registry reports it active. */
  hotReloadMs: number;
  /** The shipped 3 rules and generated rulesets of 200, 1,000 and 10,000 rules. */
  sizes?: RulesetSizeResult[];
  /** Replaying stored decisions (SQLite, on their stored facts) with the shipped ruleset. */
  impact?: { decisions: number; replayedPerSec: number };
}

export interface RulesetSizeResult {
  rules: number;
  /** How the generated rules were made (generated-ruleset.ts); `shipped` for the 3 shipped rules. */
  shape: RulesetShape | 'shipped';
  /** Sequential awaited recommend() calls per second of wall time (median of five slices). */
  evaluationsPerSec: number;
  /** The same calls per second of this process's CPU time: steadier on a shared machine. */
  evaluationsPerCpuSec: number;
  /** Mean rules fired per patient: reasons are most of the cost of a fired rule. */
  firedPerPatient: number;
  /** checkRulesetBytes of the file (parse, schema, semantics, compile, tests), once. */
  validateCompileMs: number;
  /** The longest the event loop stood still while that check ran (compile yields between slices). */
  longestBlockMs: number;
}

const GENERATED_RULES = 200;
const SIZES: Array<[number, RulesetShape]> = [[200, 'banded'], [1000, 'banded'], [10_000, 'banded'], [1000, 'dense'], [10_000, 'dense']];

/** Sequential awaited evaluations on this one thread, after a short JIT warm-up; the median of five slices. */
export async function runRulesBench(seconds: number): Promise<RulesBenchResult> {
  // The generated ruleset declares the observations; the shipped one declares none, so its facts go without.
  const patients = patientSource(500, 7, { observations: true });
  const facts: PatientFacts[] = Array.from({ length: 2000 }, () => toFacts(patients.next()));
  const shippedFacts: PatientFacts[] = facts.map((f) => ({ ...f, observations: {} }));
  const shippedDir = path.join(PROJECT_ROOT, 'rules');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clinical-rules-bench-'));
  try {
    const shipped = await withRegistry(shippedDir, (recommender) => evaluationsPerSec(recommender, shippedFacts, seconds));
    await writeRuleset(dir, '1.0.0');
    const generated = await withRegistry(dir, (recommender) => evaluationsPerSec(recommender, facts, seconds));
    const validateCompileMs = {
      shipped: await medianMs(5, () => checkRulesetFile(path.join(shippedDir, '1.0.0.json'))),
      generated: await medianMs(5, () => checkRulesetFile(path.join(dir, '1.0.0.json'))),
    };
    const hotReloadMs = await timeHotReload(dir);
    const sizes = [await sizeResult(3, await readFile(path.join(shippedDir, '1.0.0.json')), facts, seconds, 'shipped')];
    for (const [count, shape] of SIZES) {
      sizes.push(await sizeResult(count, Buffer.from(JSON.stringify(generatedRuleset(count, '1.0.0', shape))), facts, seconds, shape));
    }
    const impact = await impactRate(await readFile(path.join(shippedDir, '1.0.0.json')));
    return {
      shipped: { evaluationsPerSec: shipped },
      generated: { rules: GENERATED_RULES, evaluationsPerSec: generated },
      validateCompileMs,
      hotReloadMs,
      sizes,
      impact,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function withRegistry<T>(dir: string, use: (recommender: Recommender) => Promise<T>): Promise<T> {
  const registry = createRulesetRegistry({ dir, logger: silentLogger });
  await registry.start();
  try {
    return await use(createRulesRecommender(registry));
  } finally {
    await registry.close();
  }
}

/** One ruleset size: its check and compile (and how long they held the event loop), then evaluations. */
async function sizeResult(rules: number, bytes: Buffer, facts: PatientFacts[], seconds: number, shape: RulesetSizeResult['shape']): Promise<RulesetSizeResult> {
  // A 1 ms ticker stands in for the requests a reload must not hold up: its longest gap is the longest block.
  let longestBlockMs = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longestBlockMs = Math.max(longestBlockMs, now - last);
    last = now;
  }, 1);
  await new Promise<void>((resolve) => setTimeout(resolve, 5));
  const start = performance.now();
  const checked = await checkRulesetBytes(bytes, `${rules}.json`);
  const validateCompileMs = performance.now() - start;
  await new Promise<void>((resolve) => setTimeout(resolve, 2));
  clearInterval(ticker);
  const compiled = checked.compiled;
  if (compiled === undefined) throw new Error(`generated ruleset of ${rules} rules is invalid: ${checked.problems[0]?.message ?? '?'}`);
  const recommender: Recommender = { recommend: async (f) => compiled.evaluate(f) };
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const rate = await evaluationsPerSec(recommender, facts, rules >= 10_000 ? Math.max(seconds, 2) : seconds);
  const cpuSec = (() => {
    const used = process.cpuUsage(cpuBefore);
    return (used.user + used.system) / 1e6;
  })();
  const wallSec = (performance.now() - wallBefore) / 1000;
  const fired = facts.slice(0, 500).reduce((n, f) => n + compiled.decide(f).recommendations.length, 0) / 500;
  return {
    rules,
    shape,
    evaluationsPerSec: rate,
    // The loop ran at `rate` for the measured slices; scale by the CPU share this process got.
    evaluationsPerCpuSec: cpuSec > 0 ? rate * (wallSec / cpuSec) : rate,
    firedPerPatient: fired,
    validateCompileMs,
    longestBlockMs,
  };
}

async function evaluationsPerSec(recommender: Recommender, facts: PatientFacts[], seconds: number): Promise<number> {
  const loop = async (ms: number) => {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      for (let k = 0; k < 100; k += 1, n += 1) await recommender.recommend(facts[n % facts.length] as PatientFacts);
    }
    return n / ((performance.now() - start) / 1000);
  };
  await loop(Math.min(500, seconds * 250));
  // The median of five slices: a neighbour's burst on this shared machine spoils one slice, not the figure.
  const rates: number[] = [];
  for (let i = 0; i < 5; i += 1) rates.push(await loop((seconds * 1000) / 5));
  return median(rates);
}

async function medianMs(runs: number, task: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await task();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** The honest end-to-end figure: includes the watcher's own delay, not only validation. */
async function timeHotReload(dir: string, timeoutMs = 15_000): Promise<number> {
  let activated: (() => void) | undefined;
  const registry = createRulesetRegistry({
    dir,
    logger: silentLogger,
    onReload: ({ activeVersion }) => {
      if (activeVersion === '1.0.1') activated?.();
    },
  });
  await registry.start();
  try {
    const active = new Promise<void>((resolve, reject) => {
      activated = resolve;
      setTimeout(() => reject(new Error(`rules registry did not activate 1.0.1 within ${timeoutMs} ms`)), timeoutMs).unref();
    });
    const start = performance.now();
    await writeRuleset(dir, '1.0.1');
    await active;
    return performance.now() - start;
  } finally {
    await registry.close();
  }
}

function writeRuleset(dir: string, version: string): Promise<void> {
  return writeFile(path.join(dir, `${version}.json`), JSON.stringify(generatedRuleset(GENERATED_RULES, version, 'dense'), null, 2));
}
