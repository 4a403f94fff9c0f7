import http from 'node:http';
import { expect } from 'chai';
import type { Response } from 'supertest';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A POST with exactly these headers: supertest adds a Content-Type to every string body. */
function rawPost(port: number, path: string, headers: Record<string, string>, body: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function expectProblem(res: Response | RawResponse, status: number): void {
  expect(res.status, 'no bad input may cause a 5xx').to.be.below(500);
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status });
  expect(res.body.type).to.be.a('string');
  expect(res.body.title).to.be.a('string');
}

function errorPaths(res: Response): string[] {
  return ((res.body.errors ?? []) as Array<{ path: string }>).map((e) => e.path);
}

describe('POST /evaluate with bad input', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  function post(body: unknown) {
    return svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send(body as object);
  }

  function postRaw(text: string, contentType = 'application/json') {
    return svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).set('Content-Type', contentType).send(text);
  }

  const manyObservations = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`obs${i}`, i]));

  /** Each body is invalid in exactly one place, named by `path`. */
  const cases: Array<{ name: string; body: (patientId: string) => unknown; path: string }> = [
    { name: 'age as a numeric string', body: (id) => ({ patient_id: id, age: '70' }), path: '/body/age' },
    { name: 'age as a boolean', body: (id) => ({ patient_id: id, age: true }), path: '/body/age' },
    { name: 'chronic_pain "yes"', body: (id) => ({ patient_id: id, age: 70, chronic_pain: 'yes' }), path: '/body/chronic_pain' },
    { name: 'chronic_pain "true" (a string, not a boolean)', body: (id) => ({ patient_id: id, age: 70, chronic_pain: 'true' }), path: '/body/chronic_pain' },
    { name: 'recent_surgery 1', body: (id) => ({ patient_id: id, age: 70, recent_surgery: 1 }), path: '/body/recent_surgery' },
    { name: 'bmi as a numeric string', body: (id) => ({ patient_id: id, age: 40, bmi: '31' }), path: '/body/bmi' },
    { name: 'negative age', body: (id) => ({ patient_id: id, age: -1 }), path: '/body/age' },
    { name: 'age 131', body: (id) => ({ patient_id: id, age: 131 }), path: '/body/age' },
    { name: 'fractional age 70.5', body: (id) => ({ patient_id: id, age: 70.5 }), path: '/body/age' },
    { name: 'bmi 0', body: (id) => ({ patient_id: id, age: 40, bmi: 0 }), path: '/body/bmi' },
    { name: 'bmi 4.9', body: (id) => ({ patient_id: id, age: 40, bmi: 4.9 }), path: '/body/bmi' },
    { name: 'bmi 151', body: (id) => ({ patient_id: id, age: 40, bmi: 151 }), path: '/body/bmi' },
    { name: 'height_cm 29.9', body: (id) => ({ patient_id: id, age: 40, height_cm: 29.9 }), path: '/body/height_cm' },
    { name: 'height_cm 281', body: (id) => ({ patient_id: id, age: 40, height_cm: 281 }), path: '/body/height_cm' },
    { name: 'weight_kg 0.4', body: (id) => ({ patient_id: id, age: 40, weight_kg: 0.4 }), path: '/body/weight_kg' },
    { name: 'weight_kg 701', body: (id) => ({ patient_id: id, age: 40, weight_kg: 701 }), path: '/body/weight_kg' },
    { name: 'missing patient_id', body: () => ({ age: 40 }), path: '/body/patient_id' },
    { name: 'missing age', body: (id) => ({ patient_id: id }), path: '/body/age' },
    { name: 'an unknown top-level field', body: (id) => ({ patient_id: id, age: 40, smoker: true }), path: '/body/smoker' },
    { name: 'patient_id ""', body: () => ({ patient_id: '', age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id with a space', body: () => ({ patient_id: 'a b', age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id with a slash', body: () => ({ patient_id: 'x/y', age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id with markup', body: () => ({ patient_id: '<script>', age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id longer than 64', body: () => ({ patient_id: 'p'.repeat(65), age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id 0', body: () => ({ patient_id: 0, age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id -1', body: () => ({ patient_id: -1, age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id 1.5', body: () => ({ patient_id: 1.5, age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id true', body: () => ({ patient_id: true, age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id null', body: () => ({ patient_id: null, age: 40 }), path: '/body/patient_id' },
    { name: 'patient_id as an array', body: (id) => ({ patient_id: [id], age: 40 }), path: '/body/patient_id' },
    { name: 'an observation holding an object', body: (id) => ({ patient_id: id, age: 40, observations: { smoker: { daily: 10 } } }), path: '/body/observations/smoker' },
    { name: 'an observation holding an array', body: (id) => ({ patient_id: id, age: 40, observations: { smoker: [true] } }), path: '/body/observations/smoker' },
    { name: 'an observation holding null', body: (id) => ({ patient_id: id, age: 40, observations: { smoker: null } }), path: '/body/observations/smoker' },
    { name: 'an observation string over 256 characters', body: (id) => ({ patient_id: id, age: 40, observations: { note: 'n'.repeat(257) } }), path: '/body/observations/note' },
    { name: 'an observation key that is not an identifier', body: (id) => ({ patient_id: id, age: 40, observations: { 'bad key': 1 } }), path: '/body/observations' },
    { name: 'more than 50 observations', body: (id) => ({ patient_id: id, age: 40, observations: manyObservations }), path: '/body/observations' },
    { name: 'observations as an array', body: (id) => ({ patient_id: id, age: 40, observations: [1] }), path: '/body/observations' },
    { name: 'a top-level array', body: (id) => [{ patient_id: id, age: 40 }], path: '/body' },
  ];

  for (const c of cases) {
    it(`returns 400 naming ${c.path} for ${c.name}`, async () => {
      const res = await post(c.body(uniquePatientId()));

      expectProblem(res, 400);
      expectMatchesSpec(res, '/evaluate', 'post');
      expect(errorPaths(res)).to.include(c.path);
    });
  }

  describe('prototype pollution', () => {
    afterEach(() => {
      expect(({} as Record<string, unknown>).polluted, 'Object.prototype was polluted').to.equal(undefined);
    });

    it('returns 400 for a top-level "__proto__" key and does not pollute Object.prototype', async () => {
      const res = await postRaw(`{"patient_id":"${uniquePatientId()}","age":40,"__proto__":{"polluted":true}}`);
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('/body/__proto__');
    });

    it('returns 400 for a top-level "constructor" key', async () => {
      const res = await postRaw(`{"patient_id":"${uniquePatientId()}","age":40,"constructor":{"prototype":{"polluted":true}}}`);
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('/body/constructor');
    });

    it('returns 400 for an observation named "__proto__"', async () => {
      const res = await postRaw(`{"patient_id":"${uniquePatientId()}","age":40,"observations":{"__proto__":{"polluted":true}}}`);
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('/body/observations');
    });

    it('returns 400 for an observation named "constructor" holding an object', async () => {
      const res = await postRaw(`{"patient_id":"${uniquePatientId()}","age":40,"observations":{"constructor":{"prototype":{"polluted":true}}}}`);
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('/body/observations');
    });

    it('returns 400 for an observation named "constructor" even holding a scalar', async () => {
      const res = await postRaw(`{"patient_id":"${uniquePatientId()}","age":40,"observations":{"constructor":1}}`);
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('/body/observations');
    });

    it('treats other Object.prototype names as plain observation keys: undeclared, so 400 naming them', async () => {
      const res = await postRaw(`{"patient_id":"${uniquePatientId()}","age":40,"observations":{"toString":"x","hasOwnProperty":true}}`);
      expectProblem(res, 400);
      expect(errorPaths(res)).to.deep.equal(['/body/observations/toString', '/body/observations/hasOwnProperty']);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });
  });

  describe('bodies that are not a JSON object', () => {
    it('returns 400 for a body that is JSON null', async () => {
      expectProblem(await postRaw('null'), 400);
    });

    it('returns 400 for a body that is a JSON string', async () => {
      expectProblem(await postRaw('"patient 42, age 70"'), 400);
    });

    it('returns 400 for a body that is a JSON number', async () => {
      expectProblem(await postRaw('42'), 400);
    });

    it('returns 400 for malformed JSON', async () => {
      const res = await postRaw(`{"patient_id":"${uniquePatientId()}","age":40,`);
      expectProblem(res, 400);
      expectMatchesSpec(res, '/evaluate', 'post');
    });

    it('returns 400 naming the required fields for an empty JSON body', async () => {
      const res = await postRaw('');
      expectProblem(res, 400);
      expect(errorPaths(res)).to.have.members(['/body/patient_id', '/body/age']);
    });
  });

  describe('content types and sizes', () => {
    it('returns 415 for a text/plain body', async () => {
      const res = await postRaw(JSON.stringify({ patient_id: uniquePatientId(), age: 40 }), 'text/plain');
      expectProblem(res, 415);
      expectMatchesSpec(res, '/evaluate', 'post');
    });

    it('returns 415 for a form-urlencoded body', async () => {
      const res = await postRaw(`patient_id=${uniquePatientId()}&age=40`, 'application/x-www-form-urlencoded');
      expectProblem(res, 415);
    });

    it('returns 415 for a body without a Content-Type', async () => {
      const res = await rawPost(svc.service.port, '/evaluate', { Authorization: `Bearer ${svc.token()}` }, JSON.stringify({ patient_id: uniquePatientId(), age: 40 }));
      expectProblem(res, 415);
    });

    it('returns 415 for a POST with neither a body nor a Content-Type', async () => {
      const res = await rawPost(svc.service.port, '/evaluate', { Authorization: `Bearer ${svc.token()}` }, '');
      expectProblem(res, 415);
    });

    it('returns 413 for a body over 64 KiB', async () => {
      const body = { patient_id: uniquePatientId(), age: 40, observations: { note: 'n'.repeat(70 * 1024) } };
      const res = await post(body);
      expectProblem(res, 413);
      expectMatchesSpec(res, '/evaluate', 'post');
    });
  });

  describe('Idempotency-Key header', () => {
    it('returns 400 for an empty Idempotency-Key', async () => {
      const res = await svc.http
        .post('/evaluate')
        .set('Authorization', `Bearer ${svc.token()}`)
        .set('Idempotency-Key', '')
        .send({ patient_id: uniquePatientId(), age: 40 });
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('/headers/idempotency-key');
    });

    it('returns 400 for an Idempotency-Key over 255 characters', async () => {
      const res = await svc.http
        .post('/evaluate')
        .set('Authorization', `Bearer ${svc.token()}`)
        .set('Idempotency-Key', 'k'.repeat(256))
        .send({ patient_id: uniquePatientId(), age: 40 });
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('/headers/idempotency-key');
    });

    it('returns 400 for an Idempotency-Key with a character outside printable ASCII', async () => {
      const res = await svc.http
        .post('/evaluate')
        .set('Authorization', `Bearer ${svc.token()}`)
        .set('Idempotency-Key', 'caf\u00e9')
        .send({ patient_id: uniquePatientId(), age: 40 });
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('/headers/idempotency-key');
    });

    it('accepts an Idempotency-Key with a space in it (printable ASCII)', async () => {
      const res = await svc.http
        .post('/evaluate')
        .set('Authorization', `Bearer ${svc.token()}`)
        .set('Idempotency-Key', 'two words')
        .send({ patient_id: uniquePatientId(), age: 40 });
      expect(res.status, res.text).to.equal(201);
    });
  });

  it('stores nothing for a rejected body', async () => {
    const patientId = uniquePatientId();
    expectProblem(await post({ patient_id: patientId, age: 131 }), 400);

    const history = await svc.http.get(`/patients/${patientId}/recommendations`).set('Authorization', `Bearer ${svc.token()}`);
    expect(history.status).to.equal(200);
    expect(history.body.items).to.deep.equal([]);
  });

  it('still serves a valid request after all of the above (the process did not crash)', async () => {
    const res = await post({ patient_id: uniquePatientId(), age: 70, chronic_pain: true });
    expect(res.status, res.text).to.equal(201);
    expectMatchesSpec(res, '/evaluate', 'post');
    const live = await svc.http.get('/health/live');
    expect(live.status).to.equal(200);
  });
});
