import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { createExpressServer, withPrototype } from '../core/platform/http-server.js';

describe('the express HTTP server', () => {
  let server: Server;
  let base: string;
  const born: { request: object | null; response: object | null }[] = [];
  const app = express();
  app.use(express.json());
  app.get('/echo', (req, res) => {
    res.locals.seen = req.get('x-probe');
    res.status(201).location('/echo/1').json({ probe: res.locals.seen, accepts: req.accepts('json') });
  });
  app.post('/echo', (req, res) => {
    res.json({ body: req.body as unknown });
  });

  before(async () => {
    server = createExpressServer(app);
    // Runs before express sees the request: what Node created, untouched.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      born.push({ request: Object.getPrototypeOf(req) as object | null, response: Object.getPrototypeOf(res) as object | null });
    });
    await new Promise<void>((resolve) => server.listen(0, resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("creates every request and response with the app's prototypes, so express has nothing to swap", async () => {
    born.length = 0;
    // fetch keeps the connection alive: the second request reuses the socket.
    for (let i = 0; i < 2; i++) expect((await fetch(`${base}/echo`)).status).to.equal(201);
    expect(born).to.have.length(2);
    for (const { request, response } of born) {
      expect(request).to.equal(app.request);
      expect(response).to.equal(app.response);
    }
  });

  it('serves routes exactly as express does: request and response helpers, locals, status and headers', async () => {
    const res = await fetch(`${base}/echo`, { headers: { 'x-probe': 'p-1', accept: 'application/json' } });
    expect(res.status).to.equal(201);
    expect(res.headers.get('location')).to.equal('/echo/1');
    expect(res.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(await res.json()).to.deep.equal({ probe: 'p-1', accepts: 'json' });
  });

  it('parses bodies with express middleware and answers unknown paths with express 404', async () => {
    const posted = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' });
    expect(await posted.json()).to.deep.equal({ body: { a: [1, 2] } });
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).to.equal(404);
    expect(await missing.text()).to.include('Cannot GET /nowhere');
  });
});

describe('withPrototype', () => {
  const prototype = { greet(this: { name: string }) { return `hello ${this.name}`; } };

  it('builds objects that the base constructor initialised, with the given prototype', () => {
    function Named(this: { name: string }, name: string) {
      this.name = name;
    }
    const Built = withPrototype(Named as unknown as new (name: string) => { name: string }, prototype);
    const made = new (Built as new (name: string) => { name: string; greet(): string })('ada');
    expect(Object.getPrototypeOf(made)).to.equal(prototype);
    expect(made.greet()).to.equal('hello ada');
  });

  it('declines a class, which cannot initialise an object made elsewhere', () => {
    class Named {
      constructor(readonly name: string) {}
    }
    expect(withPrototype(Named, prototype)).to.equal(undefined);
  });
});
