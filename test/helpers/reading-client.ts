import { expect } from 'chai';
import type { TestService } from './api-service.js';

/** Requests and fixtures shared by the read tests (test/api-read-*.test.ts). */

export interface RecommendationBody {
  id: string;
  patient_id: string | number;
  created_at: string;
  recommendations: Array<{ code: string }>;
  ruleset: { name: string; version: string; hash: string };
  notifications: Array<{ channel: string }>;
}

let numericPatientCounter = 0;
/** An integer patient id no other test uses. */
export function uniqueNumericPatientId(): number {
  numericPatientCounter += 1;
  return (Date.now() % 1e9) * 100 + numericPatientCounter;
}

/** The store's order: newest first, ties on the same millisecond broken by id. */
export function newestFirst(recs: RecommendationBody[]): string[] {
  return [...recs]
    .sort((a, b) => (a.created_at !== b.created_at ? b.created_at.localeCompare(a.created_at) : b.id.localeCompare(a.id)))
    .map((r) => r.id);
}

/**
 * Calls with a token carrying every scope. `current` returns the suite's service, which its
 * `before` hook starts after this is built, so it is looked up on each call.
 */
export function readingClient(current: () => TestService) {
  const auth = () => `Bearer ${current().token()}`;

  async function evaluate(body: Record<string, unknown>): Promise<RecommendationBody> {
    const res = await current().http.post('/evaluate').set('Authorization', auth()).send(body);
    expect(res.status, res.text).to.equal(201);
    return res.body as RecommendationBody;
  }

  function history(patientId: string | number, query = '') {
    return current().http.get(`/patients/${patientId}/recommendations${query}`).set('Authorization', auth());
  }

  return { auth, evaluate, history };
}
