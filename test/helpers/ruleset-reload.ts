import type { ReloadOutcome, RulesetRegistry } from '../../core/rules/ruleset-registry.js';

/** Resolves with the first reload outcome that satisfies `wanted`; create it before changing files. */
export function reloaded(registry: RulesetRegistry, wanted: (o: ReloadOutcome) => boolean, timeoutMs = 5000): Promise<ReloadOutcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      registry.events.off('reload', listener);
      reject(new Error(`no matching reload within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (outcome: ReloadOutcome): void => {
      if (!wanted(outcome)) return;
      clearTimeout(timer);
      registry.events.off('reload', listener);
      resolve(outcome);
    };
    registry.events.on('reload', listener);
  });
}
