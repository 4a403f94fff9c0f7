// The token lives in this tab's sessionStorage, as Swagger UI's Authorize
// keeps it: gone when the tab closes, never sent anywhere but this service.
const KEY = 'clinical-recommendations.dashboard.token';

export function storedToken() {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

/**
 * What the token says about itself, for display only: the service is the
 * one that checks it. Undefined when it is not a readable JWT.
 */
export function claimsOf(token) {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json);
    return typeof claims === 'object' && claims !== null ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** "subject analyst, scopes reports:read rules:read, expires 14:03 UTC". */
export function describeToken(token) {
  const claims = claimsOf(token);
  if (claims === undefined) return 'Using a token that is not a readable JWT.';
  const parts = [];
  if (typeof claims.sub === 'string') parts.push(`subject ${claims.sub}`);
  if (typeof claims.scope === 'string') parts.push(`scopes ${claims.scope}`);
  if (typeof claims.exp === 'number') parts.push(`expires ${new Date(claims.exp * 1000).toISOString().replace('T', ' ').slice(0, 16)} UTC`);
  return `Using a token: ${parts.join(', ') || 'no claims shown'}.`;
}
