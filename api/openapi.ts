import { readFileSync } from 'node:fs';
import * as OpenApiValidator from 'express-openapi-validator';
import type { RequestHandler } from 'express';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../core/paths.js';

/** The hand-written contract, parsed once. */
export const openapiText = readFileSync(OPENAPI_PATH, 'utf8');
export const openapiDocument = parse(openapiText) as Record<string, unknown>;

/**
 * Validates every request against openapi.yaml (unknown fields rejected by the
 * schemas' additionalProperties: false). Auth is ours (api/auth.ts), so the
 * validator's security handling is off; responses are validated in the tests.
 */
export function requestValidator(): RequestHandler[] {
  return OpenApiValidator.middleware({
    apiSpec: OPENAPI_PATH,
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: true },
    validateResponses: false,
    validateSecurity: false,
    validateFormats: true,
  }) as unknown as RequestHandler[];
}
