import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { RequestHandler } from 'express';
import { AppError, type FieldProblem } from '../core/platform/errors.js';
import type { Operation } from './operations.js';

/*
 * Request validation from openapi.yaml: Ajv compiles each operation's
 * schemas once, at start, from the spec as json-schema-ref-parser
 * dereferenced it (see openapi.ts). express-openapi-validator, which the
 * design card names, measured at 14-15% of the CPU of a GET
 * /recommendation/{id}, over the 10% budget: the figures and the choice are
 * in docs/adr/0001-openapi-validation.md.
 *
 * Bodies are validated as sent: no type coercion ("70" is not an age, and 123
 * must not also match the string branch of patient_id), with the schema's
 * defaults filled in. Path, query and header parameters arrive as strings and
 * are coerced to their schema's type for the check. Unknown query parameters
 * and unknown body fields are rejected. Every problem is reported.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020, options: { mode: 'full' }) => void;

type Values = Record<string, unknown>;

const VALIDATED_QUERY = 'validatedQuery';

/** The query parameters as validated, coerced to their schema types (a `limit` is a number). */
export function validatedQuery(locals: Record<string, unknown>): Values {
  return locals[VALIDATED_QUERY] as Values;
}

export type OperationValidator = (operation: Operation) => RequestHandler;

export function createRequestValidators(): OperationValidator {
  const bodies = new Ajv2020({ strict: false, allErrors: true, coerceTypes: false, useDefaults: true });
  const parameters = new Ajv2020({ strict: false, allErrors: true, coerceTypes: true });
  // 'full' checks calendar dates (no 2025-02-30); 'fast' only their shape.
  for (const ajv of [bodies, parameters]) addFormats(ajv, { mode: 'full' });

  return (operation) => {
    const checkParameters = parameters.compile(parametersSchema(operation));
    const headerNames = operation.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    const checkBody = operation.bodySchema === undefined ? undefined : bodies.compile(operation.bodySchema);

    return (req, res, next) => {
      // Copies: coercion must not rewrite req. Express 5 parses req.query anew on
      // every access: read it once, and not at all when the URL has no query string.
      const query = req.url.includes('?') ? { ...(req.query as Values) } : {};
      const values = { params: { ...req.params }, query, headers: pick(req.headers, headerNames) };
      const problems = checkParameters(values) ? [] : problemsOf(checkParameters, '');
      const hasBody = req.body !== undefined || operation.bodyRequired;
      if (checkBody !== undefined && hasBody && !checkBody(req.body)) problems.push(...problemsOf(checkBody, '/body'));
      if (problems.length > 0) {
        throw new AppError('VALIDATION', `the request does not match openapi.yaml: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
      }
      res.locals[VALIDATED_QUERY] = values.query;
      next();
    };
  };
}

/** One object schema per location, so that errors read `/params/...`, `/query/...`, `/headers/...`. */
function parametersSchema(operation: Operation): Values {
  const locations = { params: 'path', query: 'query', headers: 'header' } as const;
  const properties: Values = {};
  for (const [key, location] of Object.entries(locations)) {
    const declared = operation.parameters.filter((p) => p.in === location);
    properties[key] = {
      type: 'object',
      properties: Object.fromEntries(declared.map((p) => [p.name, p.schema])),
      required: declared.filter((p) => p.required).map((p) => p.name),
      // Headers carry much more than the spec names; any other query parameter is a client mistake.
      additionalProperties: location === 'header',
    };
  }
  return { type: 'object', properties };
}

function pick(headers: Record<string, string | string[] | undefined>, names: readonly string[]): Values {
  const picked: Values = {};
  for (const name of names) if (headers[name] !== undefined) picked[name] = headers[name];
  return picked;
}

/** Ajv errors as `{path, message}`, the path naming the offending field itself. */
function problemsOf(validate: ValidateFunction, prefix: string): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of validate.errors ?? []) {
    const problem = { path: `${prefix}${error.instancePath}${fieldOf(error)}`, message: error.message ?? 'is invalid' };
    const key = `${problem.path}\n${problem.message}`;
    if (!seen.has(key)) problems.push(problem);
    seen.add(key);
  }
  return problems;
}

/** The property a `required` or `additionalProperties` error is about, as a JSON pointer segment. */
function fieldOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const field = error.keyword === 'required' ? params.missingProperty : error.keyword === 'additionalProperties' ? params.additionalProperty : undefined;
  return field === undefined ? '' : `/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
