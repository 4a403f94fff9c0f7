import { readFileSync } from 'node:fs';
import { dereference } from '@apidevtools/json-schema-ref-parser';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../core/platform/paths.js';

type Document = Record<string, unknown>;

/** The hand-written contract, parsed once: it drives routing, scopes and validation (see app.ts). */
export const openapiText = readFileSync(OPENAPI_PATH, 'utf8');
export const openapiDocument = parse(openapiText) as Document;

/**
 * A copy of `doc` with every `$ref` replaced by what it points at, by
 * json-schema-ref-parser; only references inside the document are followed.
 * Rejects a `$ref` that points nowhere.
 */
export function dereferenceSpec(doc: Document): Promise<Document> {
  return dereference(structuredClone(doc), { resolve: { external: false }, dereference: { circular: false } }) as Promise<Document>;
}

/** openapi.yaml with its `$ref`s resolved, for code that reads the spec as plain objects (operations, contract tests). */
export const dereferencedOpenapi = await dereferenceSpec(openapiDocument);
