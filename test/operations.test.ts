import { expect } from 'chai';
import { openapiDocument } from '../api/openapi.js';
import { operationsOf } from '../api/operations.js';

describe('operations of openapi.yaml', () => {
  it('routes every operation of the shipped spec with the scope its security requirement names', () => {
    const byId = new Map(operationsOf(openapiDocument).map((o) => [o.operationId, o]));

    expect(byId.get('evaluatePatient')).to.include({ method: 'post', expressPath: '/evaluate', scope: 'recommendations:write', bodyRequired: true });
    expect(byId.get('getRecommendation')).to.include({ method: 'get', expressPath: '/recommendation/:id', scope: 'recommendations:read' });
    expect(byId.get('listPatientRecommendations')).to.include({ expressPath: '/patients/:patient_id/recommendations', scope: 'recommendations:read' });
    expect(byId.get('getRules')?.scope).to.equal('rules:read');
    expect(byId.get('getReportSummary')?.scope).to.equal('reports:read');
    expect(byId.get('live')?.scope, 'security: [] makes an operation public').to.equal(undefined);
  });

  it('resolves $ref parameters, lowercases header names and points at the schemas inside the document', () => {
    const evaluate = operationsOf(openapiDocument).find((o) => o.operationId === 'evaluatePatient');

    expect(evaluate?.parameters).to.deep.equal([
      { name: 'x-request-id', in: 'header', required: false, schemaPointer: '/components/parameters/RequestId/schema' },
      { name: 'idempotency-key', in: 'header', required: false, schemaPointer: '/paths/~1evaluate/post/parameters/1/schema' },
    ]);
    expect(evaluate?.bodySchemaPointer).to.equal('/paths/~1evaluate/post/requestBody/content/application~1json/schema');
  });

  it('applies path-level parameters unless the operation redefines them', () => {
    const doc = {
      paths: {
        '/things/{id}': {
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'verbose', in: 'query', schema: { type: 'boolean' } },
          ],
          get: { operationId: 'getThing', parameters: [{ name: 'verbose', in: 'query', required: true, schema: { type: 'integer' } }] },
        },
      },
    };

    const [getThing] = operationsOf(doc);

    expect(getThing?.parameters).to.deep.equal([
      { name: 'id', in: 'path', required: true, schemaPointer: '/paths/~1things~1{id}/parameters/0/schema' },
      { name: 'verbose', in: 'query', required: true, schemaPointer: '/paths/~1things~1{id}/get/parameters/0/schema' },
    ]);
  });

  it('refuses an operation that names several scopes, since the app checks one', () => {
    const doc = { paths: { '/x': { get: { operationId: 'x', security: [{ bearerAuth: ['a:read', 'b:read'] }] } } } };

    expect(() => operationsOf(doc)).to.throw(/several scopes/);
  });

  it('refuses a $ref it cannot resolve', () => {
    const doc = { paths: { '/x': { get: { operationId: 'x', parameters: [{ $ref: '#/components/parameters/Missing' }] } } } };

    expect(() => operationsOf(doc)).to.throw(/unresolvable \$ref/);
  });
});
