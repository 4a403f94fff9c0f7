// `npm run bench`: load-tests the service against a bare express ceiling, micro-benchmarks the
// rules engine, and checks the performance budgets. `npm run bench -- --help` for the options.
import os from 'node:os';
import { runHttpPhases } from './http-phases.js';
import { HTTP_SCENARIOS, parseOptions, UsageError, USAGE, type Options } from './options.js';
import { printReport } from './print-report.js';
import { checkBudgets, writeReport, type BenchReport } from './report.js';
import { runRulesBench } from './rules-bench.js';
import { startStack, type Stack } from './stack.js';
import { SERVICE_NODE_FLAGS } from './service-node-flags.js';

function readOptions(): Options {
  try {
    const parsed = parseOptions(process.argv.slice(2));
    if (parsed.help) usage(0);
    return parsed;
  } catch (err) {
    if (err instanceof UsageError) usage(2, err.message);
    throw err;
  }
}

function usage(code: number, problem?: string): never {
  process.stderr.write(`${problem ? `${problem}\n` : ''}${USAGE}\n`);
  process.exit(code);
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

let stack: Stack | undefined;

async function main(): Promise<number> {
  const options = readOptions();
  const meta: BenchReport['meta'] = {
    startedAt: new Date().toISOString(),
    mode: options.redis ? 'redis' : 'embedded',
    connections: options.connections,
    durationSec: options.duration,
    rounds: options.rounds,
    nodeFlags: options.nodeFlags,
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
    stack = await startStack({ redis: options.redis, nodeFlags: options.nodeFlags, ...(options.cpuProf ? { cpuProfDir: options.cpuProf } : {}) });
    http = await runHttpPhases(stack, { ...options, scenarios: httpScenarios, progress });
  }

  const scenarios = http ? [...(http.ceiling ? [http.ceiling] : []), ...http.scenarios] : [];
  const partial = { meta, scenarios, memory: http?.memory, hotReload: http?.hotReload, rules };
  const report: BenchReport = { ...partial, budgets: checkBudgets(partial) };
  const slices = `${meta.rounds} rounds of ${meta.durationSec / meta.rounds} s ceiling + ${meta.durationSec / meta.rounds} s scenario`;
  const flags = meta.nodeFlags.length === 0 ? `node flags as npm start: ${SERVICE_NODE_FLAGS.join(' ')}` : `npm start's node flags plus ${meta.nodeFlags.join(' ')}`;
  say(`\n${meta.mode} mode (${flags}), ${meta.connections} connections, ${meta.durationSec} s per scenario (${slices}), ${meta.cpus} CPUs, load average at start ${meta.loadAvgAtStart.join(' ')}`);
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
