import { parseArgs, USAGE } from './cli-args.js';
import { jsonReport, testLines, validateLines } from './cli-report.js';
import { resolveTargets, TargetError } from './cli-targets.js';
import { checkRulesetFile, type CheckedRuleset } from './ruleset-file.js';
import { markVersionConflicts } from './version-conflicts.js';

/**
 * clinical-rules: validate and test ruleset files, for rule authors and CI.
 * Exit 0 all good, 1 any invalid file or failing test, 2 usage error.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const request = parseArgs(argv);
  if (request.kind === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (request.kind === 'usage-error') {
    console.error(`clinical-rules: ${request.message}\n\n${USAGE}`);
    return 2;
  }
  let targets;
  try {
    targets = await resolveTargets(request.paths);
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    console.error(`clinical-rules: ${err.message}`);
    return 2;
  }
  const results: CheckedRuleset[] = [];
  for (const files of targets.values()) {
    const checked = await Promise.all(files.map((file) => checkRulesetFile(file)));
    results.push(...markVersionConflicts(checked));
  }
  if (request.json) console.log(JSON.stringify(jsonReport(results), null, 2));
  else console.log((request.command === 'test' ? testLines(results) : validateLines(results)).join('\n'));
  return results.every((r) => r.compiled !== undefined) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
