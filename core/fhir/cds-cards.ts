import type { FiredRule, Recommendation } from '../domain/recommendation.js';

/** A CDS Hooks 2.0 card as this service sends it. */
export interface Card {
  uuid: string;
  summary: string;
  indicator: 'info' | 'warning' | 'critical';
  detail: string;
  source: { label: string };
}

/** CDS Hooks: "one-sentence, <140-character summary". */
const SUMMARY_MAX = 140;

/**
 * One card per fired rule, highest priority first (the order the
 * recommendation holds them in), with the uuid stored for it so feedback
 * finds its code, and the same cards again when a hookInstance is replayed.
 */
export function cardsFor(rec: Recommendation): Card[] {
  const uuids = rec.origin?.cards ?? [];
  return rec.recommendations.map((fired, index) => {
    const uuid = uuids[index]?.uuid;
    if (uuid === undefined) throw new Error(`recommendation ${rec.id} has no card uuid for its rule ${fired.rule}`);
    return {
      uuid,
      summary: summaryOf(fired.title),
      indicator: fired.indicator ?? 'info',
      detail: detailOf(fired),
      source: { label: `${rec.ruleset.name} ${rec.ruleset.version}` },
    };
  });
}

function summaryOf(title: string): string {
  return title.length < SUMMARY_MAX ? title : `${title.slice(0, SUMMARY_MAX - 2)}…`;
}

/** The reasons as a markdown list; rule text is escaped so it cannot inject markup. */
function detailOf(fired: FiredRule): string {
  const reasons = fired.reasons.map((reason) => `- ${escapeMarkdown(reason)}`).join('\n');
  return `Why (rule \`${fired.rule}\`):\n\n${reasons}`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}
