/**
 * What POST /evaluate answered: ids for the read phases, and which ruleset
 * version stamped each response (the hot reload check). It runs in
 * autocannon's onResponse for every response, on the same two cores as the
 * service, so it reads the two values by string search instead of JSON.parse.
 */
export class EvaluateLog {
  readonly ids: string[] = [];
  readonly versions = new Map<string, { count: number; firstAt: number }>();
  lastVersion: string | undefined;

  /** @param keepIds how many ids the later phases use; past that none are extracted. */
  constructor(private readonly keepIds: number) {}

  record(status: number, body: string): void {
    if (status !== 201) return;
    const version = stringField(body, VERSION) ?? parsed(body).ruleset.version;
    if (this.ids.length < this.keepIds) this.ids.push(stringField(body, ID) ?? parsed(body).id);
    const seen = this.versions.get(version);
    if (seen) seen.count += 1;
    else this.versions.set(version, { count: 1, firstAt: Date.now() });
    this.lastVersion = version;
  }
}

// In a compact Recommendation, `"id":"` is only the top-level id and `"version":"` only
// ruleset.version (openapi.yaml: no other object has those keys, and inside string
// values every quote is escaped, so the sequences cannot occur there).
const ID = '"id":"';
const VERSION = '"version":"';

/** The string after the first `key` up to the next quote (ids and versions hold no escapes); undefined when `key` is absent. */
function stringField(json: string, key: string): string | undefined {
  const at = json.indexOf(key);
  if (at < 0) return undefined;
  const from = at + key.length;
  const end = json.indexOf('"', from);
  return end < 0 ? undefined : json.slice(from, end);
}

/** Only when the body is not the compact JSON expected (say, pretty-printed): correct first, cheap when possible. */
function parsed(body: string): { id: string; ruleset: { version: string } } {
  return JSON.parse(body) as { id: string; ruleset: { version: string } };
}
