import { expect } from 'chai';
import { dereferencedOpenapi, dereferenceSpec } from '../api/openapi.js';
import { operationsOf } from '../api/operations.js';

describe('operations of openapi.yaml', () => {
  it('routes every operation of the shipped spec with the scope its security requirement names', () => {
    const byId = new Map(operationsOf(dereferencedOpenapi).map((o) => [o.operationId, o]));

    expect(byId.get('evaluatePatient')).to.include({ method: 'post', expressPath: '/evaluate', scope: 'recommendations:write', jsonBody: true, bodyRequired: true });
    expect(byId.get('getRecommendation')).to.include({ method: 'get', expressPath: '/recommendation/:id', scope: 'recommendations:read', jsonBody: false });
    expect(byId.get('listPatientRecommendations')).to.include({ expressPath: '/patients/:patient_id/recommendations', scope: 'recommendations:read' });
    expect(byId.get('getRules')?.scope).to.equal('rules:read');
    expect(byId.get('getReportSummary')?.scope).to.equal('reports:read');
    expect(byId.get('live')?.scope, 'security: [] makes an operation public').to.equal(undefined);
  });

  it('takes $ref parameters and schemas from the dereferenced spec, with header names lowercased', () => {
    const evaluate = operationsOf(dereferencedOpenapi).find((o) => o.operationId === 'evaluatePatient');

    expect(evaluate?.parameters.map(({ name, in: location, required }) => ({ name, in: location, required }))).to.deep.equal([
      { name: 'x-request-id', in: 'header', required: false },
      { name: 'idempotency-key', in: 'header', required: false },
    ]);
    expect(evaluate?.parameters[0]?.schema, 'from #/components/parameters/RequestId').to.deep.equal({ type: 'string', maxLength: 128 });
    expect(evaluate?.bodySchema?.required, 'from #/components/schemas/PatientInput').to.deep.equal(['patient_id', 'age']);
    expect(JSON.stringify(evaluate?.bodySchema)).to.not.include('$ref');
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
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'verbose', in: 'query', required: true, schema: { type: 'integer' } },
    ]);
  });

  it('refuses an operation that names several scopes, since the app checks one', () => {
    const doc = { paths: { '/x': { get: { operationId: 'x', security: [{ bearerAuth: ['a:read', 'b:read'] }] } } } };

    expect(() => operationsOf(doc)).to.throw(/several scopes/);
  });

  it('refuses a spec with a $ref that points nowhere', async () => {
    const doc = { paths: { '/x': { get: { operationId: 'x', parameters: [{ $ref: '#/components/parameters/Missing' }] } } } };

    const failure = await dereferenceSpec(doc).then(
      () => undefined,
      (err: unknown) => err,
    );

    expect(String(failure)).to.match(/Missing/);
  });

  it('refuses a $ref left in the spec rather than ignoring it', () => {
    const doc = { paths: { '/x': { get: { operationId: 'x', parameters: [{ $ref: '#/components/parameters/P' }] } } } };

    expect(() => operationsOf(doc)).to.throw(/unresolved \$ref/);
  });
});
