import { randomUUID } from 'node:crypto';
import type { Recommendation } from '../../core/domain/recommendation.js';

/** A stored-shape recommendation with a fresh id; tests override what they care about. */
export function aRecommendation(overrides: Partial<Recommendation> = {}): Recommendation {
  return {
    id: randomUUID(),
    patient_id: `p-${randomUUID()}`,
    recommendation: 'Physical Therapy',
    recommendations: [
      { code: 'PHYSICAL_THERAPY', title: 'Physical Therapy', rule: 'elderly-chronic-pain', priority: 30, reasons: ['age 70 > 65', 'chronic_pain is true'] },
    ],
    ruleset: { name: 'clinical-recommendations', version: '1.0.0', hash: `sha256:${'ab'.repeat(32)}` },
    created_at: new Date().toISOString(),
    notifications: [],
    ...overrides,
  };
}
