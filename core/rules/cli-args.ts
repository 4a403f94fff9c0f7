export type CliCommand = 'validate' | 'test';

export type CliRequest =
  | { kind: 'run'; command: CliCommand; paths: string[]; json: boolean }
  | { kind: 'help' }
  | { kind: 'usage-error'; message: string };

export const USAGE = `Usage: clinical-rules <command> [--json] [files|dirs...]

Commands:
  validate   Check ruleset files completely: JSON Schema, known facts and
             operators, value types, unique rule ids and codes, versions that
             clash across files, and the file's own test cases.
  test       Same checks, and print every test case as PASS or FAIL.

Arguments:
  files|dirs Ruleset files, or folders whose top-level *.json files are
             rulesets. Default: rules/ (relative to the current folder).

Options:
  --json     Print one JSON document on stdout instead of text.
  -h, --help Show this help.

Each problem is one line: <file>: <json-pointer>: <message>.
Exit status: 0 all valid and passing, 1 any invalid file or failing test,
2 usage error (unknown command or option, missing path, no ruleset files).`;

export function parseArgs(argv: readonly string[]): CliRequest {
  if (argv.includes('-h') || argv.includes('--help')) return { kind: 'help' };
  const [command, ...rest] = argv;
  if (command === undefined) return { kind: 'usage-error', message: 'missing command (validate or test)' };
  if (command !== 'validate' && command !== 'test') {
    return { kind: 'usage-error', message: `unknown command "${command}" (expected validate or test)` };
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
