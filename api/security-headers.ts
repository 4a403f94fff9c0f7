import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers on every response, with a content security policy that
 * fits what the service serves: Swagger UI at /docs and the dashboard load
 * every script and style from the service itself (no CDN), so scripts are
 * 'self' only and never inline.
 *
 * Departures from helmet's default policy, each on purpose:
 * - style-src keeps 'unsafe-inline' but drops `https:`: Swagger UI's page has
 *   an inline <style> and React sets style attributes, and Chart.js sizes its
 *   canvas with style attributes; no stylesheet comes from elsewhere.
 * - font-src drops `https:` for the same reason.
 * - no upgrade-insecure-requests: the service is reached over plain HTTP
 *   inside compose and on localhost, where upgrading its own script requests
 *   to https would break /docs and /dashboard; TLS, where used, is terminated
 *   in front of it.
 * - frame-ancestors 'none': no page of the service is meant to be framed.
 */
const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
};

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  });
}
