/**
 * The operations of openapi.yaml as the app wires them: each one's route,
 * the scope its bearer token needs, and its parameters and body schema.
 * Read once at start from the spec with its `$ref`s already resolved
 * (`dereferencedOpenapi` in openapi.ts), so the spec is the one place that
 * says which scope guards which route and what each accepts.
 */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Node = Record<string, unknown>;

export interface Parameter {
  /** Lowercased for headers, as Node.js presents them. */
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Node;
}

export interface Operation {
  operationId: string;
  method: HttpMethod;
  /** As written in openapi.yaml: `/recommendation/{id}`. */
  specPath: string;
  /** As express routes it: `/recommendation/:id`. */
  expressPath: string;
  /** The scope of its `bearerAuth` requirement; undefined for public operations. */
  scope?: string;
  parameters: Parameter[];
  /** It documents an `application/json` request body, to be parsed before validation. */
  jsonBody: boolean;
  /** That body's schema, when it takes one. */
  bodySchema?: Node;
  bodyRequired: boolean;
}

const METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

/** The operations of a dereferenced spec: a `$ref` left in it is an error, not something to follow. */
export function operationsOf(doc: Node): Operation[] {
  const operations: Operation[] = [];
  for (const [specPath, item] of Object.entries((doc.paths ?? {}) as Record<string, Node>)) {
    for (const method of METHODS) {
      const operation = item[method] as Node | undefined;
      if (operation === undefined) continue;
      const operationId = String(operation.operationId ?? `${method} ${specPath}`);
      operations.push({
        operationId,
        method,
        specPath,
        expressPath: specPath.replace(/\{([^}]+)\}/g, ':$1'),
        ...scopeOf(doc, operation, operationId),
        parameters: parametersOf(item, operation, operationId),
        ...bodyOf(operation),
      });
    }
  }
  return operations;
}

function scopeOf(doc: Node, operation: Node, operationId: string): { scope?: string } {
  const requirements = (operation.security ?? doc.security ?? []) as Array<Record<string, string[]>>;
  const scopes = requirements.flatMap((requirement) => requirement.bearerAuth ?? []);
  if (scopes.length > 1) throw new Error(`openapi.yaml: operation ${operationId} names several scopes; the app checks one`);
  return scopes[0] === undefined ? {} : { scope: scopes[0] };
}

/** Path-level parameters apply unless the operation redefines the same name and location. */
function parametersOf(item: Node, operation: Node, operationId: string): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const node of [...((item.parameters ?? []) as Node[]), ...((operation.parameters ?? []) as Node[])]) {
    if (typeof node.$ref === 'string') throw new Error(`openapi.yaml: operation ${operationId} has an unresolved $ref "${node.$ref}"; dereference the spec first`);
    const location = node.in as string;
    if (location === 'cookie') continue;
    if (location !== 'path' && location !== 'query' && location !== 'header') throw new Error(`openapi.yaml: operation ${operationId}: unknown parameter location "${location}"`);
    const name = location === 'header' ? String(node.name).toLowerCase() : String(node.name);
    byKey.set(`${location} ${name}`, { name, in: location, required: node.required === true, schema: (node.schema ?? {}) as Node });
  }
  return [...byKey.values()];
}

function bodyOf(operation: Node): { jsonBody: boolean; bodySchema?: Node; bodyRequired: boolean } {
  const body = operation.requestBody as Node | undefined;
  const json = (body?.content as Node | undefined)?.['application/json'] as Node | undefined;
  if (body === undefined || json === undefined) return { jsonBody: false, bodyRequired: false };
  return { jsonBody: true, bodySchema: (json.schema ?? {}) as Node, bodyRequired: body.required === true };
}
