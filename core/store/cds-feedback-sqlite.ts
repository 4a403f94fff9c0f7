import type Database from 'better-sqlite3';
import type { RecommendationOrigin } from '../domain/recommendation.js';
import { foldFeedback } from './report-summary.js';
import type { CardFeedback, FeedbackByCode } from './store.js';

/**
 * The SQLite side of CDS Hooks cards and their feedback: each card uuid is
 * written with its recommendation (same transaction), so feedback resolves
 * it to the code it stood for. Callers run these inside the store's
 * transactions.
 */
export function prepareCardStatements(db: Database.Database) {
  const insertCard = db.prepare<[string, string, string], void>('INSERT INTO cds_cards (uuid, recommendation_id, code) VALUES (?, ?, ?)');
  const cardCode = db.prepare<[string], { code: string; patient_key: string }>(
    'SELECT cds_cards.code, recommendations.patient_key FROM cds_cards JOIN recommendations ON recommendations.id = cds_cards.recommendation_id WHERE cds_cards.uuid = ?',
  );
  const insertFeedback = db.prepare<[string, string, string, string, string, string | null, string | null, string], void>(
    `INSERT INTO cds_feedback (card_uuid, outcome, outcome_at, date, code, override_reason, accepted_suggestions, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const summary = db.prepare<{ from: string | null; to: string | null }, { code: string; outcome: string; n: number }>(
    `SELECT code, outcome, COUNT(*) AS n FROM cds_feedback
     WHERE (@from IS NULL OR date >= @from) AND (@to IS NULL OR date <= @to) GROUP BY code, outcome`,
  );

  return {
    insertCards(recommendationId: string, origin: RecommendationOrigin | undefined): void {
      for (const card of origin?.cards ?? []) insertCard.run(card.uuid, recommendationId, card.code);
    },
    recordFeedback(items: CardFeedback[], patientKey?: string): { unknownCards: string[] } {
      const codes = items.map((item) => {
        const card = cardCode.get(item.card);
        return card === undefined || (patientKey !== undefined && card.patient_key !== patientKey) ? undefined : card.code;
      });
      const unknownCards = items.filter((_, i) => codes[i] === undefined).map((item) => item.card);
      if (unknownCards.length > 0) return { unknownCards: [...new Set(unknownCards)] };
      items.forEach((item, i) => {
        const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
        insertFeedback.run(item.card, item.outcome, item.outcomeAt, item.outcomeAt.slice(0, 10), codes[i] as string, json(item.overrideReason), json(item.acceptedSuggestions), item.recordedAt);
      });
      return { unknownCards: [] };
    },
    summary(from?: string, to?: string): FeedbackByCode {
      return foldFeedback(summary.all({ from: from ?? null, to: to ?? null }));
    },
  };
}
