import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one process. A registry per instance (not the global
 * one) so tests can run several apps side by side.
 */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Counts one evaluation under each code that fired (NONE when none did). */
  countEvaluation(codes: readonly string[]): void;
  ruleReloads: Counter<'outcome'>;
  activeRuleset: Gauge<'version'>;
  outboxPending: Gauge;
  queueDepth: Gauge<'state'>;
  jobDuration: Histogram<'outcome'>;
  jobFailures: Counter;
}

export interface MetricSources {
  /** Read on each scrape; a failing source leaves the gauge unchanged. */
  countPendingEvents?: () => Promise<number>;
  queueDepth?: () => Promise<{ waiting: number; active: number; failed: number }>;
}

export function createMetrics(service: string, sources: MetricSources = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    countEvaluation: evaluationCounter(registers),
    ruleReloads: new Counter({ name: 'ruleset_reloads_total', help: 'Ruleset reload attempts by outcome', labelNames: ['outcome'], registers }),
    activeRuleset: new Gauge({ name: 'ruleset_active_info', help: 'The active ruleset version (value 1)', labelNames: ['version'], registers }),
    outboxPending: new Gauge({
      name: 'outbox_events_pending',
      help: 'Events stored but not yet confirmed published',
      registers,
      async collect() {
        if (sources.countPendingEvents) this.set(await sources.countPendingEvents().catch(() => NaN));
      },
    }),
    queueDepth: new Gauge({
      name: 'queue_jobs',
      help: 'Jobs in the recommendations queue by state',
      labelNames: ['state'],
      registers,
      async collect() {
        if (!sources.queueDepth) return;
        const depth = await sources.queueDepth().catch(() => undefined);
        if (!depth) return;
        for (const [state, n] of Object.entries(depth)) this.set({ state }, n);
      },
    }),
    jobDuration: new Histogram({
      name: 'worker_job_duration_seconds',
      help: 'Worker job duration by outcome',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    jobFailures: new Counter({ name: 'worker_job_failures_total', help: 'Worker job attempts that failed', registers }),
  };
}

/**
 * recommendations_evaluated_total by code. With thousands of rules a request
 * fires dozens of them, and prom-client hashes the labels on every inc: so
 * counts gather in a plain map and reach the counter when it is scraped.
 */
function evaluationCounter(registers: Registry[]): (codes: readonly string[]) => void {
  const pending = new Map<string, number>();
  new Counter({
    name: 'recommendations_evaluated_total',
    help: 'Evaluations by recommendation code (NONE when no rule fired)',
    labelNames: ['code'],
    registers,
    collect() {
      for (const [code, n] of pending) this.inc({ code }, n);
      pending.clear();
    },
  });
  return (codes) => {
    if (codes.length === 0) pending.set('NONE', (pending.get('NONE') ?? 0) + 1);
    for (const code of codes) pending.set(code, (pending.get(code) ?? 0) + 1);
  };
}

/** Keeps the active-version gauge to exactly one series. */
export function setActiveRuleset(metrics: Metrics, version: string): void {
  metrics.activeRuleset.reset();
  metrics.activeRuleset.set({ version }, 1);
}

/** A worker attempt, as the worker reports it (see worker/worker.ts). */
export function recordJob(metrics: Metrics, job: { outcome: 'completed' | 'failed'; seconds: number }): void {
  metrics.jobDuration.observe({ outcome: job.outcome }, job.seconds);
  if (job.outcome === 'failed') metrics.jobFailures.inc();
}
