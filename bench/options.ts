import { parseArgs } from 'node:util';

export const HTTP_SCENARIOS = ['evaluate', 'recommendation', 'history', 'cds-hooks', 'memory'] as const;
export const SCENARIOS = [...HTTP_SCENARIOS, 'rules'] as const;

export const USAGE = `usage: npm run bench -- [options]
  --duration <s>          seconds of load per scenario (default 10)
  --rounds <n>            each scenario's load is split into n slices, each after a ceiling slice
                          as long, and compared with those ceiling slices (default 5)
  --connections <n>       concurrent connections (default 50; the budgets are defined at 50)
  --redis                 API and worker as separate processes on a private redis-server
  --scenario <name>       run only this one (repeatable): ${SCENARIOS.join(', ')}
  --memory-requests <n>   requests in the memory phase (default 100000)
  --node-flag=<flag>      a node flag for the service's processes, not the ceiling's (repeatable),
                          e.g. --node-flag=--single-threaded-gc; by default they run as npm start does
  --cpu-prof <dir>        write a V8 CPU profile of the API process into <dir>
  --strict                exit 1 when a budget is missed
  BENCH_OUT=<file>        where the JSON goes (default bench-results.json)`;

export interface Options {
  duration: number;
  rounds: number;
  connections: number;
  redis: boolean;
  scenarios: Set<string>;
  memoryRequests: number;
  /** Extra node flags for the API and worker processes; none by default. */
  nodeFlags: string[];
  cpuProf?: string;
  strict: boolean;
  help: boolean;
}

/** A command line the bench cannot run: the message says which option and why. */
export class UsageError extends Error {}

const SPEC = {
  duration: { type: 'string', default: '10' },
  rounds: { type: 'string', default: '5' },
  connections: { type: 'string', default: '50' },
  redis: { type: 'boolean', default: false },
  scenario: { type: 'string', multiple: true },
  'memory-requests': { type: 'string', default: '100000' },
  'node-flag': { type: 'string', multiple: true },
  'cpu-prof': { type: 'string' },
  strict: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

/** Throws UsageError for a command line the bench cannot run; the caller prints USAGE. */
export function parseOptions(argv: string[]): Options {
  const values = parse(argv);
  const positive = (name: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
    return n;
  };
  const scenarios = new Set<string>(values.scenario ?? SCENARIOS);
  for (const s of scenarios) if (!(SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`unknown scenario "${s}"`);
  const nodeFlags = values['node-flag'] ?? [];
  for (const flag of nodeFlags) if (!flag.startsWith('--')) throw new UsageError(`--node-flag takes a node flag such as --single-threaded-gc, got "${flag}"`);
  return {
    duration: positive('duration', values.duration),
    rounds: Math.round(positive('rounds', values.rounds)),
    connections: Math.round(positive('connections', values.connections)),
    redis: values.redis,
    scenarios,
    memoryRequests: Math.round(positive('memory-requests', values['memory-requests'])),
    nodeFlags,
    ...(values['cpu-prof'] !== undefined ? { cpuProf: values['cpu-prof'] } : {}),
    strict: values.strict,
    help: values.help,
  };
}

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: SPEC }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
