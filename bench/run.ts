// `npm run bench`: load-tests the service against a bare express ceiling, micro-benchmarks the
// rules engine, and checks the performance budgets. `npm run bench -- --help` for the options.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runHttpPhases, type HttpScenario } from './http-phases.js';
import { printReport } from './print-report.js';
import { checkBudgets, writeReport, type BenchReport } from './report.js';
import { runRulesBench } from './rules-bench.js';
import { startStack, type Stack } from './stack.js';

const HTTP_SCENARIOS: readonly HttpScenario[] = ['evaluate', 'recommendation', 'history', 'memory'];
const SCENARIOS = [...HTTP_SCENARIOS, 'rules'] as const;

const USAGE = `usage: npm run bench -- [options]
  --duration <s>          seconds of load per scenario (default 10)
  --rounds <n>            each scenario's load is split into n slices, each after a ceiling slice
                          as long, and compared with those ceiling slices (default 5)
  --connections <n>       concurrent connections (default 50; the budgets are defined at 50)
  --redis                 API and worker as separate processes on a private redis-server
  --scenario <name>       run only this one (repeatable): ${SCENARIOS.join(', ')}
  --memory-requests <n>   requests in the memory phase (default 100000)
  --cpu-prof <dir>        write a V8 CPU profile of the API process into <dir>
  --strict                exit 1 when a budget is missed
  BENCH_OUT=<file>        where the JSON goes (default bench-results.json)`;

interface Options {
  duration: number;
  rounds: number;
  connections: number;
  redis: boolean;
  scenarios: Set<string>;
  memoryRequests: number;
  cpuProf?: string;
  strict: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      redis: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true },
      'memory-requests': { type: 'string', default: '100000' },
      'cpu-prof': { type: 'string' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) usage(0);
  const positive = (name: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) usage(2, `--${name} must be a positive number, got "${raw}"`);
    return n;
  };
  const scenarios = new Set<string>(values.scenario ?? SCENARIOS);
  for (const s of scenarios) if (!(SCENARIOS as readonly string[]).includes(s)) usage(2, `unknown scenario "${s}"`);
  return {
    duration: positive('duration', values.duration),
    rounds: Math.round(positive('rounds', values.rounds)),
    connections: Math.round(positive('connections', values.connections)),
    redis: values.redis,
    scenarios,
    memoryRequests: Math.round(positive('memory-requests', values['memory-requests'])),
    ...(values['cpu-prof'] !== undefined ? { cpuProf: values['cpu-prof'] } : {}),
    strict: values.strict,
  };
}

function usage(code: number, problem?: string): never {
  process.stderr.write(`${problem ? `${problem}\n` : ''}${USAGE}\n`);
  process.exit(code);
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

let stack: Stack | undefined;

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const meta: BenchReport['meta'] = {
    startedAt: new Date().toISOString(),
    mode: options.redis ? 'redis' : 'embedded',
    connections: options.connections,
    durationSec: options.duration,
    rounds: options.rounds,
    node: process.version,
    cpus: os.cpus().length,
    loadAvgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };

  // The rules run first, in this process, before any child competes for the CPU.
  let rules: BenchReport['rules'];
  if (options.scenarios.has('rules')) {
    progress('rules micro-benchmark (in-process, one core)');
    rules = await runRulesBench(Math.min(2.5, options.duration));
  }

  let http: Awaited<ReturnType<typeof runHttpPhases>> | undefined;
  const httpScenarios = new Set(HTTP_SCENARIOS.filter((s) => options.scenarios.has(s)));
  if (httpScenarios.size > 0) {
    progress(`starting the ${meta.mode} service and the ceiling app`);
    stack = await startStack({ redis: options.redis, ...(options.cpuProf ? { cpuProfDir: options.cpuProf } : {}) });
    http = await runHttpPhases(stack, { ...options, scenarios: httpScenarios, progress });
  }

  const scenarios = http ? [...(http.ceiling ? [http.ceiling] : []), ...http.scenarios] : [];
  const partial = { meta, scenarios, memory: http?.memory, hotReload: http?.hotReload, rules };
  const report: BenchReport = { ...partial, budgets: checkBudgets(partial) };
  const slices = `${meta.rounds} rounds of ${meta.durationSec / meta.rounds} s ceiling + ${meta.durationSec / meta.rounds} s scenario`;
  say(`\n${meta.mode} mode, ${meta.connections} connections, ${meta.durationSec} s per scenario (${slices}), ${meta.cpus} CPUs, load average at start ${meta.loadAvgAtStart.join(' ')}`);
  printReport(report, say);
  const out = process.env.BENCH_OUT ?? 'bench-results.json';
  writeReport(report, out);
  progress(`wrote ${out}`);
  return options.strict && report.budgets.some((b) => b.status === 'FAIL') ? 1 : 0;
}

let stopping: Promise<void> | undefined;
async function shutdown(code: number): Promise<never> {
  stopping ??= (stack?.stop() ?? Promise.resolve()).catch((err: unknown) => progress(`stopping the children failed: ${String(err)}`));
  await stopping;
  process.exit(code);
}

// `on`, not `once`: Ctrl-C reaches us twice (from the terminal, and relayed by tsx); both must stop cleanly.
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
main().then(shutdown, (err: unknown) => {
  progress(`benchmark broke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  void shutdown(1);
});
