import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { openapiDocument } from '../../api/openapi.js';

/**
 * Validates a response against the schema openapi.yaml gives for its path,
 * method, status and content type: the API's bodies must satisfy the contract.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(openapiDocument, 'openapi');

interface ResponseLike {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text?: string;
}

type Node = Record<string, unknown>;

function resolve(node: Node): Node {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  let target: unknown = openapiDocument;
  for (const part of ref.replace(/^#\//, '').split('/')) {
    target = (target as Node)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return resolve(target as Node);
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function expectMatchesSpec(res: ResponseLike, specPath: string, method: string): void {
  const operation = (openapiDocument.paths as Node)[specPath] as Node | undefined;
  expect(operation, `openapi.yaml has no path ${specPath}`).to.not.equal(undefined);
  const responses = (operation as Node)[method] as Node;
  expect(responses, `openapi.yaml has no ${method} ${specPath}`).to.not.equal(undefined);
  const response = (responses.responses as Node)[String(res.status)] as Node | undefined;
  expect(response, `openapi.yaml documents no ${res.status} for ${method.toUpperCase()} ${specPath}`).to.not.equal(undefined);
  const content = resolve(response as Node).content as Node | undefined;
  const contentType = (res.headers['content-type'] ?? '').split(';')[0] ?? '';
  expect(content, 'response has a body the spec does not describe').to.not.equal(undefined);
  expect(Object.keys(content as Node)).to.include(contentType);
  const pointer = response?.$ref
    ? `${String(response.$ref).replace(/^#/, 'openapi#')}/content/${escape(contentType)}/schema`
    : `openapi#/paths/${escape(specPath)}/${method}/responses/${res.status}/content/${escape(contentType)}/schema`;
  const validate = ajv.getSchema(pointer);
  expect(validate, `no schema at ${pointer}`).to.not.equal(undefined);
  const body = contentType.endsWith('json') && res.body !== undefined && Object.keys(res.body as object).length > 0 ? res.body : JSON.parse(res.text ?? 'null');
  const ok = validate?.(body);
  expect(ok, `response does not satisfy openapi.yaml: ${ajv.errorsText(validate?.errors)}`).to.equal(true);
}
