export type CliCommand = 'validate' | 'test';

/** Where `impact` reads the stored decisions from. */
export type StoreLocation = { kind: 'sqlite'; dataDir: string } | { kind: 'mongodb'; uri: string };

export type CliRequest =
  | { kind: 'run'; command: CliCommand; paths: string[]; json: boolean }
  | { kind: 'impact'; candidate: string; store: StoreLocation; since?: string; json: boolean }
  | { kind: 'help' }
  | { kind: 'usage-error'; message: string };

export const USAGE = `Usage: clinical-rules <command> [--json] [files|dirs...]
       clinical-rules impact <candidate.json> [--data-dir DIR | --mongodb-uri URI] [--since DATE] [--json]

Commands:
  validate   Check ruleset files completely: JSON Schema, known facts and
             operators, value types, unique rule ids and codes, versions that
             clash across files, and the file's own test cases.
  test       Same checks, and print every test case as PASS or FAIL.
  impact     Replay the stored decisions (those since DATE: 2026-01-01 or an
             ISO-8601 time) with a candidate ruleset file and report how
             many would change, per code how many would gain or lose it,
             with up to 10 example recommendation ids each. The store is the
             SQLite file in --data-dir (default ./data) or MongoDB at
             --mongodb-uri.

Arguments:
  files|dirs Ruleset files, or folders whose top-level *.json files are
             rulesets. Default: rules/ (relative to the current folder).

Options:
  --json     Print one JSON document on stdout instead of text.
  -h, --help Show this help.

Each problem is one line: <file>: <json-pointer>: <message>.
Exit status: 0 all valid and passing (impact: it ran), 1 any invalid file
or failing test (impact: the candidate is invalid), 2 usage error (unknown
command or option, missing path, no ruleset files, no such store).`;

export function parseArgs(argv: readonly string[]): CliRequest {
  if (argv.includes('-h') || argv.includes('--help')) return { kind: 'help' };
  const [command, ...rest] = argv;
  if (command === undefined) return { kind: 'usage-error', message: 'missing command (validate, test or impact)' };
  if (command === 'impact') return parseImpactArgs(rest);
  if (command !== 'validate' && command !== 'test') {
    return { kind: 'usage-error', message: `unknown command "${command}" (expected validate, test or impact)` };
  }
  let json = false;
  const paths: string[] = [];
  for (const arg of rest) {
    if (arg === '--json') json = true;
    else if (arg.startsWith('-') && arg !== '-') return { kind: 'usage-error', message: `unknown option "${arg}"` };
    else paths.push(arg);
  }
  return { kind: 'run', command, paths: paths.length > 0 ? paths : ['rules'], json };
}

function parseImpactArgs(args: readonly string[]): CliRequest {
  let json = false;
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--json') json = true;
    else if (VALUE_OPTIONS.has(name)) {
      const value = eq > 0 && name !== arg ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === '' || value.startsWith('--')) return { kind: 'usage-error', message: `${name} needs a value` };
      options.set(name, value);
    } else if (arg.startsWith('-') && arg !== '-') return { kind: 'usage-error', message: `unknown option "${arg}"` };
    else positional.push(arg);
  }
  const [candidate, ...extra] = positional;
  if (candidate === undefined) return { kind: 'usage-error', message: 'impact needs a candidate ruleset file' };
  if (extra.length > 0) return { kind: 'usage-error', message: `impact takes one candidate file, got also "${extra.join('", "')}"` };
  const dataDir = options.get('--data-dir');
  const uri = options.get('--mongodb-uri');
  const since = options.get('--since');
  if (dataDir !== undefined && uri !== undefined) return { kind: 'usage-error', message: 'give --data-dir or --mongodb-uri, not both' };
  const store: StoreLocation = uri !== undefined ? { kind: 'mongodb', uri } : { kind: 'sqlite', dataDir: dataDir ?? 'data' };
  return { kind: 'impact', candidate, store, json, ...(since !== undefined ? { since } : {}) };
}

const VALUE_OPTIONS = new Set(['--data-dir', '--mongodb-uri', '--since']);
