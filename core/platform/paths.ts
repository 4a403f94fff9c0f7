import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, whether the code runs from source (tsx)
 * or compiled from dist/ (the Docker image).
 */
function findProjectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot();
export const OPENAPI_PATH = path.join(PROJECT_ROOT, 'openapi.yaml');
/** Ships beside the rule data so editors can use it through `$schema`. */
export const RULESET_SCHEMA_PATH = path.join(PROJECT_ROOT, 'rules', 'schema', 'ruleset.schema.json');
/** How CDS Hooks calls turn FHIR resources into facts: data beside the rulesets, in a subfolder the ruleset loader skips. */
export const FHIR_FACTS_SCHEMA_PATH = path.join(PROJECT_ROOT, 'rules', 'schema', 'fhir-facts.schema.json');
export const SHIPPED_FHIR_FACTS_PATH = path.join(PROJECT_ROOT, 'rules', 'fhir', 'facts.json');
