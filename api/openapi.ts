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
    // No coercion: "70" is not an age, and 123 must not also match the string branch of patient_id.
    // (The validator always coerces path, query and header parameters, which are strings.)
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false },
    validateResponses: false,
    validateSecurity: false,
    validateFormats: true,
    // 'full' checks calendar dates (no 2025-13-01); 'fast' only their shape.
    ajvFormats: { mode: 'full' },
  }) as unknown as RequestHandler[];
}
