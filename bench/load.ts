import autocannon from 'autocannon';
import type { PatientId } from '../core/domain/recommendation.js';
import type { EvaluateLog } from './evaluate-log.js';
import type { PatientSource } from './patients.js';
import type { RawRun, Slice } from './slices.js';

export interface Target {
  url: string;
  token: string;
  connections: number;
}

/** How long a phase runs: seconds, or an exact number of requests. */
export type Length = { duration: number } | { amount: number };

export function ceiling(url: string, connections: number, length: Length): Promise<Slice> {
  return drive('ceiling (bare express)', { url, connections, ...length, requests: [{ method: 'GET', path: '/' }] });
}

export function evaluate(target: Target, patients: PatientSource, log: EvaluateLog, length: Length, name = 'POST /evaluate'): Promise<Slice> {
  return drive(name, { url: target.url, connections: target.connections, ...length, requests: evaluateRequests(target, patients, log) });
}

export function readRecommendation(target: Target, ids: readonly string[], length: Length): Promise<Slice> {
  return drive('GET /recommendation/{id}', { url: target.url, connections: target.connections, ...length, requests: recommendationRequests(target, ids) });
}

export function patientHistory(target: Target, patients: readonly PatientId[], length: Length): Promise<Slice> {
  return drive('GET /patients/{id}/recommendations', { url: target.url, connections: target.connections, ...length, requests: historyRequests(target, patients) });
}

/** The memory phase: every connection cycles write, read, history. */
export function mixed(target: Target, patients: PatientSource, ids: readonly string[], log: EvaluateLog, length: Length): Promise<Slice> {
  const [writes, reads, histories] = [evaluateRequests(target, patients, log), recommendationRequests(target, ids), historyRequests(target, patients.ids)];
  const requests = writes.flatMap((write, i) => [write, reads[i % reads.length] as autocannon.Request, histories[i % histories.length] as autocannon.Request]);
  return drive('mixed (memory phase)', { url: target.url, connections: target.connections, ...length, requests });
}

/*
 * Every request is built before the load starts and each connection cycles
 * through the list: autocannon then sends prebuilt buffers. Building a body
 * per request (setupRequest) cost the load generator more CPU than a bare
 * express route costs the server, on the same two cores as the service.
 */
const DISTINCT_REQUESTS = 1000;

function evaluateRequests(target: Target, patients: PatientSource, log: EvaluateLog): autocannon.Request[] {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${target.token}` };
  const onResponse = (status: number, body: string) => log.record(status, body);
  return Array.from({ length: DISTINCT_REQUESTS }, () => ({ method: 'POST', path: '/evaluate', headers, body: JSON.stringify(patients.next()), onResponse }));
}

function recommendationRequests(target: Target, ids: readonly string[]): autocannon.Request[] {
  if (ids.length === 0) throw new Error('no recommendation ids to read: the POST phase created none');
  const headers = { authorization: `Bearer ${target.token}` };
  return ids.slice(0, DISTINCT_REQUESTS).map((id) => ({ method: 'GET', path: `/recommendation/${id}`, headers }));
}

function historyRequests(target: Target, patients: readonly PatientId[]): autocannon.Request[] {
  const headers = { authorization: `Bearer ${target.token}` };
  return patients.slice(0, DISTINCT_REQUESTS).map((id) => ({ method: 'GET', path: `/patients/${encodeURIComponent(String(id))}/recommendations`, headers }));
}

/**
 * Runs autocannon in this process and keeps a few non-2xx bodies for the report.
 *
 * The load starts when autocannon() returns. By then it has built every
 * request of the list for each connection (50 × 1000 POSTs took about 0.7 s
 * of CPU here), and each connection wrote its first request as it was made,
 * so those first requests waited out the building of all the connections
 * after it. The slice leaves them out: its time, CPU, responses and
 * latencies cover the requests sent from the start of the load. (autocannon's
 * own duration and latency histogram include both: the req/s of a list of
 * requests came out lower, and its p99 higher, than the service's.)
 */
export function drive(name: string, options: autocannon.Options): Promise<Slice> {
  const samples: string[] = [];
  const requests = options.requests?.map((request) => ({
    ...request,
    onResponse: (status: number, body: string, context: object, headers: autocannon.Request['headers']) => {
      if ((status < 200 || status > 299) && samples.length < 3) samples.push(`${status} ${body.slice(0, 300)}`);
      if (typeof request.onResponse === 'function') request.onResponse(status, body, context, headers);
    },
  }));
  const latencies: number[] = [];
  // sampleInt: autocannon stops only on a sample tick; at the default 1 s a 1.2 s slice would run 2 s.
  const run = { ...options, requests, title: name, skipAggregateResult: true, sampleInt: 100 };
  return new Promise((resolve, reject) => {
    const instance = autocannon(run, (err: unknown, result) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      const raw = result as unknown as RawRun;
      const { user, system } = process.cpuUsage(load.cpu);
      resolve({
        url: options.url,
        requests: latencies.length,
        seconds: (performance.now() - load.clock) / 1000,
        loadGenCpuSeconds: (user + system) / 1e6,
        latencies,
        startedAt: load.startedAt,
        endedAt: Date.now(),
        errors: raw.errors,
        non2xx: raw.non2xx,
        samples,
      });
    });
    const load = { startedAt: Date.now(), clock: performance.now(), cpu: process.cpuUsage() };
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      // When the request was sent: the response event follows its last byte at once.
      if (performance.now() - responseTime >= load.clock) latencies.push(responseTime);
    });
  });
}
