import type { RequestHandler } from 'express';
import { AppError } from '../../core/platform/errors.js';
import { principalOf } from '../auth.js';
import type { CardFeedback, RecommendationStore } from '../../core/store/store.js';

/** The CDS Hooks feedback body after validation against openapi.yaml (CdsFeedbackRequest). */
interface FeedbackRequest {
  feedback: Array<{
    card: string;
    outcome: CardFeedback['outcome'];
    outcomeTimestamp: string;
    overrideReason?: unknown;
    acceptedSuggestions?: unknown;
  }>;
}

/** POST /cds-services/clinical-recommendations/feedback: all stored, or 404 and none. */
export function cdsFeedbackHandler(store: RecommendationStore): RequestHandler {
  return async (req, res) => {
    const { feedback } = req.body as FeedbackRequest;
    const recordedAt = new Date().toISOString();
    const items: CardFeedback[] = feedback.map((item) => ({
      card: item.card,
      outcome: item.outcome,
      // Normalised to UTC, so the day it counts under is the UTC day.
      outcomeAt: new Date(item.outcomeTimestamp).toISOString(),
      ...(item.overrideReason !== undefined ? { overrideReason: item.overrideReason } : {}),
      ...(item.acceptedSuggestions !== undefined ? { acceptedSuggestions: item.acceptedSuggestions } : {}),
      recordedAt,
    }));
    // A patient-scoped token gives feedback on its own patient's cards only; another's are as unknown (404).
    const { patient } = principalOf(res.locals);
    const { unknownCards } = await store.recordCardFeedback(items, patient);
    if (unknownCards.length > 0) {
      throw new AppError('NOT_FOUND', `no card with uuid ${unknownCards.slice(0, 5).join(', ')}${unknownCards.length > 5 ? ', ...' : ''}; nothing was stored`);
    }
    res.status(200).json({ stored: items.length });
  };
}
