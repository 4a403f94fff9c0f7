import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../core/platform/logger.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { toFacts } from '../core/domain/patient-facts.js';
import type { PatientFacts } from '../core/domain/recommendation.js';
import type { Recommender } from '../core/rules/recommender.js';
import { checkRulesetFile } from '../core/rules/ruleset-file.js';
import { createRulesetRegistry, createRulesRecommender } from '../core/rules/ruleset-registry.js';
import { generatedRuleset } from './generated-ruleset.js';
import { patientSource } from './patients.js';
import { median } from './median.js';

export interface RulesBenchResult {
  shipped: { evaluationsPerSec: number };
  generated: { rules: number; evaluationsPerSec: number };
  /** checkRulesetFile (parse, schema, semantics, compile, embedded tests), median of 5 runs. */
  validateCompileMs: { shipped: number; generated: number };
  /** From writing a new 200-rule version into a watched folder until the registry reports it active. */
  hotReloadMs: number;
}

const GENERATED_RULES = 200;

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
    return { shipped: { evaluationsPerSec: shipped }, generated: { rules: GENERATED_RULES, evaluationsPerSec: generated }, validateCompileMs, hotReloadMs };
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
  return writeFile(path.join(dir, `${version}.json`), JSON.stringify(generatedRuleset(GENERATED_RULES, version), null, 2));
}
