import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { FHIR_FACTS_SCHEMA_PATH, SHIPPED_FHIR_FACTS_PATH } from '../platform/paths.js';

/**
 * rules/fhir/facts.json as TypeScript sees it once its schema
 * (rules/schema/fhir-facts.schema.json) has accepted it: the codes, units and
 * windows by which FHIR R4 resources become facts. Data, not code, so a
 * clinician can add a code without a code change.
 */
export interface Coding {
  system: string;
  code: string;
  display?: string;
}

export interface Range {
  min: number;
  max: number;
}

export interface Measure {
  codes: Coding[];
  /** UCUM code -> factor to the canonical unit (kg, cm, kg/m2). */
  units: Record<string, number>;
  /** Plausible values, in the canonical unit. */
  range: Range;
}

export interface FhirFactsConfig {
  age: { range: Range };
  bmi: { observationStatuses: string[]; bmi: Measure; weight: Measure; height: Measure };
  chronicPain: { codes: Coding[]; activeClinicalStatuses: string[]; excludedVerificationStatuses: string[] };
  recentSurgery: { categories: Coding[]; statuses: string[]; windowDays: number };
}

/** One problem with the file, located by JSON pointer as the rules CLI prints them. */
export interface ConfigProblem {
  pointer: string;
  message: string;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    addFormats(ajv);
    compiled = ajv.compile(JSON.parse(readFileSync(FHIR_FACTS_SCHEMA_PATH, 'utf8')) as object);
  }
  return compiled;
}

/** Schema, then what a schema cannot say: sane ranges and no code claimed by two measures. */
export function checkFhirFactsConfig(document: unknown): { config?: FhirFactsConfig; problems: ConfigProblem[] } {
  const validate = validator();
  if (!validate(document)) {
    const problems = (validate.errors ?? []).map((e) => ({
      pointer: e.instancePath,
      message: `${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : ''}`,
    }));
    return { problems };
  }
  const config = document as FhirFactsConfig;
  const problems: ConfigProblem[] = [];
  const ranges: Array<[string, Range]> = [
    ['/age/range', config.age.range],
    ['/bmi/bmi/range', config.bmi.bmi.range],
    ['/bmi/weight/range', config.bmi.weight.range],
    ['/bmi/height/range', config.bmi.height.range],
  ];
  for (const [at, range] of ranges) if (range.min >= range.max) problems.push({ pointer: at, message: `min ${range.min} is not below max ${range.max}` });
  const owner = new Map<string, string>();
  for (const name of ['bmi', 'weight', 'height'] as const) {
    config.bmi[name].codes.forEach((coding, index) => {
      const key = `${coding.system}|${coding.code}`;
      const other = owner.get(key);
      if (other !== undefined) problems.push({ pointer: `/bmi/${name}/codes/${index}`, message: `${key} is already a ${other} code` });
      owner.set(key, name);
    });
  }
  return problems.length === 0 ? { config, problems } : { problems };
}

export class FhirFactsConfigError extends Error {}

/** Reads and checks the file at start; a bad file stops the process with one line naming it. */
export async function loadFhirFactsConfig(file: string): Promise<FhirFactsConfig> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new FhirFactsConfigError(`${file}: cannot be read as JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const { config, problems } = checkFhirFactsConfig(document);
  if (config === undefined) {
    throw new FhirFactsConfigError(problems.map((p) => `${file}: ${p.pointer === '' ? '/' : p.pointer}: ${p.message}`).join('; '));
  }
  return config;
}

/**
 * Where a RULES_DIR keeps its FHIR mapping: `fhir/facts.json` inside it (a
 * subfolder, so the ruleset loader never takes it for a ruleset). A RULES_DIR
 * without one uses the file shipped in this repository.
 */
export function fhirFactsFile(rulesDir: string): string {
  const own = path.join(rulesDir, 'fhir', 'facts.json');
  return existsSync(own) ? own : SHIPPED_FHIR_FACTS_PATH;
}
