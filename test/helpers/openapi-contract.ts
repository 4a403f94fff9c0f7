import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { dereferencedOpenapi } from '../../api/openapi.js';

/**
 * Validates a response against the schema openapi.yaml gives for its path,
 * method, status and content type: the API's bodies must satisfy the contract.
 * The spec is read as json-schema-ref-parser dereferenced it (api/openapi.ts),
 * the same document the app validates requests from; Ajv compiles each
 * response schema the first time a test needs it.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const compiled = new Map<object, ValidateFunction>();

interface ResponseLike {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text?: string;
}

type Node = Record<string, unknown>;

export function expectMatchesSpec(res: ResponseLike, specPath: string, method: string): void {
  const operations = (dereferencedOpenapi.paths as Node)[specPath] as Node | undefined;
  expect(operations, `openapi.yaml has no path ${specPath}`).to.not.equal(undefined);
  const operation = (operations as Node)[method] as Node | undefined;
  expect(operation, `openapi.yaml has no ${method} ${specPath}`).to.not.equal(undefined);
  const response = ((operation as Node).responses as Node)[String(res.status)] as Node | undefined;
  expect(response, `openapi.yaml documents no ${res.status} for ${method.toUpperCase()} ${specPath}`).to.not.equal(undefined);
  const content = (response as Node).content as Node | undefined;
  const contentType = (res.headers['content-type'] ?? '').split(';')[0] ?? '';
  expect(content, 'response has a body the spec does not describe').to.not.equal(undefined);
  expect(Object.keys(content as Node)).to.include(contentType);
  const schema = ((content as Node)[contentType] as Node).schema as Node | undefined;
  expect(schema, `no schema for ${contentType} in ${res.status} of ${method.toUpperCase()} ${specPath}`).to.not.equal(undefined);
  const validate = compiled.get(schema as Node) ?? ajv.compile(schema as Node);
  compiled.set(schema as Node, validate);
  const body = contentType.endsWith('json') && res.body !== undefined && Object.keys(res.body as object).length > 0 ? res.body : JSON.parse(res.text ?? 'null');
  const ok = validate(body);
  expect(ok, `response does not satisfy openapi.yaml: ${ajv.errorsText(validate.errors)}`).to.equal(true);
}
