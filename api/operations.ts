/**
 * The operations of openapi.yaml as the app wires them: each one's route,
 * the scope its bearer token needs, and where its parameter and body schemas
 * sit in the document. Read once at start, so the spec is the one place that
 * says which scope guards which route and what each accepts.
 */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ParameterRef {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  /** JSON pointer to the parameter's schema in the document. */
  schemaPointer: string;
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
  parameters: ParameterRef[];
  /** JSON pointer to the `application/json` body schema, when it takes a body. */
  bodySchemaPointer?: string;
  bodyRequired: boolean;
}

type Node = Record<string, unknown>;

const METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

export function operationsOf(doc: Node): Operation[] {
  const operations: Operation[] = [];
  for (const [specPath, item] of Object.entries((doc.paths ?? {}) as Record<string, Node>)) {
    for (const method of METHODS) {
      const operation = item[method] as Node | undefined;
      if (operation === undefined) continue;
      const at = `/paths/${escapePointer(specPath)}`;
      operations.push({
        operationId: String(operation.operationId ?? `${method} ${specPath}`),
        method,
        specPath,
        expressPath: specPath.replace(/\{([^}]+)\}/g, ':$1'),
        ...scopeOf(doc, operation),
        parameters: parametersOf(doc, item, `${at}/parameters`, operation, `${at}/${method}/parameters`),
        ...bodyOf(operation, `${at}/${method}/requestBody`),
      });
    }
  }
  return operations;
}

function scopeOf(doc: Node, operation: Node): { scope?: string } {
  const requirements = (operation.security ?? doc.security ?? []) as Array<Record<string, string[]>>;
  const scopes = requirements.flatMap((requirement) => requirement.bearerAuth ?? []);
  if (scopes.length > 1) throw new Error(`openapi.yaml: operation ${String(operation.operationId)} names several scopes; the app checks one`);
  return scopes[0] === undefined ? {} : { scope: scopes[0] };
}

/** Path-level parameters apply unless the operation redefines the same name and location. */
function parametersOf(doc: Node, item: Node, itemAt: string, operation: Node, operationAt: string): ParameterRef[] {
  const byKey = new Map<string, ParameterRef>();
  for (const [list, at] of [[item.parameters, itemAt], [operation.parameters, operationAt]] as const) {
    ((list ?? []) as Node[]).forEach((entry, index) => {
      const { node, pointer } = resolve(doc, entry, `${at}/${index}`);
      const location = node.in as string;
      if (location === 'cookie') return;
      if (location !== 'path' && location !== 'query' && location !== 'header') throw new Error(`openapi.yaml: unknown parameter location "${location}" at ${pointer}`);
      const name = location === 'header' ? String(node.name).toLowerCase() : String(node.name);
      byKey.set(`${location} ${name}`, { name, in: location, required: node.required === true, schemaPointer: `${pointer}/schema` });
    });
  }
  return [...byKey.values()];
}

function bodyOf(operation: Node, at: string): { bodySchemaPointer?: string; bodyRequired: boolean } {
  const body = operation.requestBody as Node | undefined;
  const json = (body?.content as Node | undefined)?.['application/json'];
  if (body === undefined || json === undefined) return { bodyRequired: false };
  return { bodySchemaPointer: `${at}/content/application~1json/schema`, bodyRequired: body.required === true };
}

/** Follows a local `$ref` (`#/components/parameters/X`) to the node and its pointer. */
function resolve(doc: Node, node: Node, pointer: string): { node: Node; pointer: string } {
  const ref = node.$ref;
  if (typeof ref !== 'string') return { node, pointer };
  if (!ref.startsWith('#/')) throw new Error(`openapi.yaml: only local $refs are supported, got "${ref}"`);
  const target = ref
    .slice(2)
    .split('/')
    .reduce<unknown>((current, part) => (current as Node | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  if (target === undefined) throw new Error(`openapi.yaml: unresolvable $ref "${ref}"`);
  return resolve(doc, target as Node, ref.slice(1));
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
