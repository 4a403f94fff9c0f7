/**
 * Readiness from named checks. A critical check failing means the service
 * cannot serve (503); a non-critical one (broker, cache) only degrades it.
 */
export interface HealthCheck {
  name: string;
  critical: boolean;
  check: () => Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'unavailable';
  checks: Record<string, { status: 'ok' | 'down'; error?: string }>;
}

const CHECK_TIMEOUT_MS = 1000;

export async function checkHealth(checks: HealthCheck[]): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        await withTimeout(c.check(), CHECK_TIMEOUT_MS);
        return { c, ok: true as const };
      } catch (err) {
        return { c, ok: false as const, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  const report: HealthReport = { status: 'ok', checks: {} };
  for (const r of results) {
    report.checks[r.c.name] = r.ok ? { status: 'ok' } : { status: 'down', error: r.error };
    if (!r.ok) report.status = r.c.critical ? 'unavailable' : report.status === 'ok' ? 'degraded' : report.status;
  }
  return report;
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
