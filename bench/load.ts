import autocannon from 'autocannon';
import type { PatientId } from '../core/recommendation.js';
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
  return drive(name, { url: target.url, connections: target.connections, ...length, requests: [evaluateRequest(target, patients, log)] });
}

export function readRecommendation(target: Target, ids: readonly string[], length: Length): Promise<Slice> {
  return drive('GET /recommendation/{id}', { url: target.url, connections: target.connections, ...length, requests: [recommendationRequest(target, ids)] });
}

export function patientHistory(target: Target, patients: readonly PatientId[], length: Length): Promise<Slice> {
  return drive('GET /patients/{id}/recommendations', { url: target.url, connections: target.connections, ...length, requests: [historyRequest(target, patients)] });
}

/** The memory phase: every connection cycles write, read, history. */
export function mixed(target: Target, patients: PatientSource, ids: readonly string[], log: EvaluateLog, length: Length): Promise<Slice> {
  const requests = [evaluateRequest(target, patients, log), recommendationRequest(target, ids), historyRequest(target, patients.ids)];
  return drive('mixed (memory phase)', { url: target.url, connections: target.connections, ...length, requests });
}

function evaluateRequest(target: Target, patients: PatientSource, log: EvaluateLog): autocannon.Request {
  return {
    method: 'POST',
    path: '/evaluate',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
    setupRequest: (request) => ({ ...request, body: JSON.stringify(patients.next()) }),
    onResponse: (status, body) => log.record(status, body),
  };
}

function recommendationRequest(target: Target, ids: readonly string[]): autocannon.Request {
  if (ids.length === 0) throw new Error('no recommendation ids to read: the POST phase created none');
  let next = 0;
  return {
    method: 'GET',
    headers: { authorization: `Bearer ${target.token}` },
    setupRequest: (request) => ({ ...request, path: `/recommendation/${ids[next++ % ids.length]}` }),
  };
}

function historyRequest(target: Target, patients: readonly PatientId[]): autocannon.Request {
  let next = 0;
  return {
    method: 'GET',
    headers: { authorization: `Bearer ${target.token}` },
    setupRequest: (request) => ({ ...request, path: `/patients/${encodeURIComponent(String(patients[next++ % patients.length]))}/recommendations` }),
  };
}

/** Runs autocannon in this process and keeps a few non-2xx bodies for the report. */
function drive(name: string, options: autocannon.Options): Promise<Slice> {
  const samples: string[] = [];
  const requests = options.requests?.map((request) => ({
    ...request,
    onResponse: (status: number, body: string, context: object, headers: autocannon.Request['headers']) => {
      if ((status < 200 || status > 299) && samples.length < 3) samples.push(`${status} ${body.slice(0, 300)}`);
      if (typeof request.onResponse === 'function') request.onResponse(status, body, context, headers);
    },
  }));
  const startedAt = Date.now();
  // skipAggregateResult: the raw run keeps its latency histogram, so slices merge exactly (slices.ts).
  // sampleInt: autocannon stops only on a sample tick; at the default 1 s a 1.2 s slice would run 2 s.
  const run = { ...options, requests, title: name, skipAggregateResult: true, sampleInt: 100 };
  return new Promise((resolve, reject) => {
    autocannon(run, (err: unknown, result) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      const raw = result as unknown as RawRun;
      resolve({
        url: options.url,
        requests: raw.totalCompletedRequests,
        seconds: raw.duration,
        startedAt,
        endedAt: Date.now(),
        errors: raw.errors,
        non2xx: raw.non2xx,
        samples,
        raw,
      });
    });
  });
}
