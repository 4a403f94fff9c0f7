import autocannon from 'autocannon';
import type { PatientId } from '../core/recommendation.js';
import type { EvaluateLog } from './evaluate-log.js';
import type { PatientSource } from './patients.js';

/** One measured load phase, as the report shows it. */
export interface ScenarioResult {
  name: string;
  requests: number;
  reqPerSec: number;
  p50: number;
  p97_5: number;
  p99: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** The first few non-2xx bodies, so a failed budget says why. */
  samples: string[];
}

export interface Target {
  url: string;
  token: string;
  connections: number;
}

/** How long a phase runs: seconds, or an exact number of requests. */
export type Length = { duration: number } | { amount: number };

export function ceiling(url: string, connections: number, length: Length): Promise<ScenarioResult> {
  return drive('ceiling (bare express)', { url, connections, ...length, requests: [{ method: 'GET', path: '/' }] });
}

export function evaluate(target: Target, patients: PatientSource, log: EvaluateLog, length: Length, name = 'POST /evaluate'): Promise<ScenarioResult> {
  return drive(name, { url: target.url, connections: target.connections, ...length, requests: [evaluateRequest(target, patients, log)] });
}

export function readRecommendation(target: Target, ids: readonly string[], length: Length): Promise<ScenarioResult> {
  return drive('GET /recommendation/{id}', { url: target.url, connections: target.connections, ...length, requests: [recommendationRequest(target, ids)] });
}

export function patientHistory(target: Target, patients: readonly PatientId[], length: Length): Promise<ScenarioResult> {
  return drive('GET /patients/{id}/recommendations', { url: target.url, connections: target.connections, ...length, requests: [historyRequest(target, patients)] });
}

/** The memory phase: every connection cycles write, read, history. */
export function mixed(target: Target, patients: PatientSource, ids: readonly string[], log: EvaluateLog, length: Length): Promise<ScenarioResult> {
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
function drive(name: string, options: autocannon.Options): Promise<ScenarioResult> {
  const samples: string[] = [];
  const requests = options.requests?.map((request) => ({
    ...request,
    onResponse: (status: number, body: string, context: object, headers: autocannon.Request['headers']) => {
      if ((status < 200 || status > 299) && samples.length < 3) samples.push(`${status} ${body.slice(0, 300)}`);
      if (typeof request.onResponse === 'function') request.onResponse(status, body, context, headers);
    },
  }));
  return new Promise((resolve, reject) => {
    autocannon({ ...options, requests, title: name }, (err: unknown, result) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      resolve({
        name,
        requests: result.requests.total,
        reqPerSec: result.requests.average,
        p50: result.latency.p50,
        p97_5: result.latency.p97_5,
        p99: result.latency.p99,
        errors: result.errors,
        non2xx: result.non2xx,
        samples,
      });
    });
  });
}
