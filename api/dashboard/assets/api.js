// The page reads the public API only, with the token the analyst gave.

/** A refused request: `status` 401 (no or bad token), 403 (scope), or another problem. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function getJson(path, token) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    cache: 'no-store',
  });
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json() : undefined;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export function fetchSummary(token, from, to) {
  const query = new URLSearchParams({ from, to });
  return getJson(`/reports/summary?${query}`, token);
}

/** The active ruleset; undefined when the token may not read it (rules:read is optional here). */
export async function fetchRules(token) {
  try {
    return await getJson('/rules', token);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return undefined;
    throw err;
  }
}
