import { rulesMaxFileBytes, type Env } from '../platform/config.js';
import { ConfigError } from '../platform/errors.js';
import { parseArgs, USAGE } from './cli-args.js';
import { runImpactCommand } from './cli-impact.js';
import { crossCheckWithReference } from './reference-check.js';
import { jsonReport, testLines, validateLines } from './cli-report.js';
import { resolveTargets, TargetError } from './cli-targets.js';
import { checkRulesetFile, type CheckedRuleset } from './ruleset-file.js';
import { markVersionConflicts } from './version-conflicts.js';
import { checkFhirFactsFiles, factsLines, isFhirFactsPath } from '../fhir/facts-cli.js';

/**
 * clinical-rules: validate and test ruleset files, for rule authors and CI.
 * Exit 0 all good, 1 any invalid file or failing test, 2 usage error.
 */
export async function main(argv: readonly string[], env: Env = {}): Promise<number> {
  const request = parseArgs(argv);
  if (request.kind === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (request.kind === 'usage-error') {
    console.error(`clinical-rules: ${request.message}\n\n${USAGE}`);
    return 2;
  }
  let maxBytes: number;
  try {
    // The same limit as the service, so a file the CLI accepts is one the service loads.
    maxBytes = rulesMaxFileBytes(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`clinical-rules: ${err.message}`);
    return 2;
  }
  if (request.kind === 'impact') return runImpactCommand(request, maxBytes);
  let targets;
  try {
    // rules/fhir/facts.json is checked by its own schema, below, not as a ruleset.
    targets = await resolveTargets(request.paths.filter((given) => !isFhirFactsPath(given)));
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    console.error(`clinical-rules: ${err.message}`);
    return 2;
  }
  const results: CheckedRuleset[] = [];
  for (const files of targets.values()) {
    const checked = await Promise.all(files.map(async (file) => crossCheckWithReference(await checkRulesetFile(file, file, maxBytes))));
    results.push(...markVersionConflicts(checked));
  }
  const facts = await checkFhirFactsFiles(request.paths);
  const ok = results.every((r) => r.compiled !== undefined) && facts.every((f) => f.ok);
  if (request.json) console.log(JSON.stringify({ ...jsonReport(results), ok, fhir_facts: facts }, null, 2));
  else console.log([...(request.command === 'test' ? testLines(results) : validateLines(results)), ...factsLines(facts)].join('\n'));
  return ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2), process.env);
