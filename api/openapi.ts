import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../core/platform/paths.js';

/** The hand-written contract, parsed once: it drives routing, scopes and validation (see app.ts). */
export const openapiText = readFileSync(OPENAPI_PATH, 'utf8');
export const openapiDocument = parse(openapiText) as Record<string, unknown>;
