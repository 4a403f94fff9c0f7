import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4.js';
import { badFhir, type Located } from './fhir-problems.js';

/**
 * A prefetch value, or a FHIR server's answer, as the resources of one type
 * it holds. CDS Hooks allows a resource, a `searchset` Bundle or null; an
 * OperationOutcome (or a searchset reporting an error) means the client
 * could not get the data, which is not the same as the patient having none.
 */
export type SearchResults<T> =
  | { kind: 'resources'; items: Array<Located<T>>; next?: string }
  | { kind: 'failed'; reason: string };

type Typed = { resourceType?: unknown };

export function searchResults<T extends FhirResource>(value: unknown, type: T['resourceType'], at: string): SearchResults<T> {
  if (value === null) return { kind: 'resources', items: [] };
  if (typeof value !== 'object' || Array.isArray(value)) throw badFhir(at, `must be a FHIR resource, a searchset Bundle or null`);
  const resourceType = (value as Typed).resourceType;
  if (resourceType === type) return { kind: 'resources', items: [{ resource: value as T, at }] };
  if (resourceType === 'OperationOutcome') return { kind: 'failed', reason: outcomeText(value as OperationOutcome) };
  if (resourceType !== 'Bundle') throw badFhir(`${at}/resourceType`, `expected ${type} or a searchset Bundle of ${type}, got ${describe(resourceType)}`);
  const bundle = value as Bundle;
  if (bundle.type !== 'searchset') throw badFhir(`${at}/type`, `expected a searchset Bundle, got ${describe(bundle.type)}`);
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw badFhir(`${at}/entry`, 'must be an array');
  const items: Array<Located<T>> = [];
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    const entryAt = `${at}/entry/${index}/resource`;
    const resource = entry?.resource as Typed | undefined;
    if (resource === undefined || resource === null || typeof resource !== 'object') throw badFhir(entryAt, 'is missing');
    if (resource.resourceType === 'OperationOutcome') {
      const outcome = resource as OperationOutcome;
      // A searchset may carry warnings (results trimmed, a parameter ignored); only errors mean no data.
      if ((outcome.issue ?? []).some((i) => i.severity === 'error' || i.severity === 'fatal')) return { kind: 'failed', reason: outcomeText(outcome) };
      continue;
    }
    // `_include`d resources of other types ride along; only matches are results.
    if (entry.search?.mode === 'include') continue;
    if (resource.resourceType !== type) throw badFhir(`${entryAt}/resourceType`, `expected ${type}, got ${describe(resource.resourceType)}`);
    items.push({ resource: resource as T, at: entryAt });
  }
  const next = (bundle.link ?? []).find((link) => link.relation === 'next')?.url;
  return next === undefined ? { kind: 'resources', items } : { kind: 'resources', items, next };
}

function outcomeText(outcome: OperationOutcome): string {
  const issue = (outcome.issue ?? [])[0];
  const text = issue?.diagnostics ?? issue?.details?.text ?? issue?.code ?? 'no details';
  return `the EHR reported an OperationOutcome (${String(text).slice(0, 200)})`;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 60);
}
