import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { startCoreThread } from '../api/core-client.js';
import type { CoreListener, ServiceCore } from '../api/service-core.js';
import { resolveJwt } from '../core/auth/dev-secret.js';
import { loadConfig, type Config } from '../core/platform/config.js';
import { AppError } from '../core/platform/errors.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import type { ReloadOutcome } from '../core/rules/ruleset-registry.js';
import type { JobReport } from '../worker/worker.js';
import { uniquePatientId } from './helpers/api-service.js';

/** The service core on its own thread, as the API process runs it, seen from the HTTP thread. */
describe('service core thread', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'clinical-core-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  function config(rulesDir = path.join(PROJECT_ROOT, 'rules')): Config {
    return resolveJwt(loadConfig({ DATA_DIR: dataDir, RULES_DIR: rulesDir, JWT_SECRET: 'core-thread-test-secret-of-32-bytes!!', LOG_LEVEL: 'info' })).config;
  }

  const unexpected = (err: Error) => {
    throw new Error(`the core stopped unexpectedly: ${err.message}`);
  };

  function recorder() {
    const jobs: JobReport[] = [];
    const reloads: ReloadOutcome[] = [];
    const invalidated: string[] = [];
    let onJob: (() => void) | undefined;
    const listener: CoreListener = {
      invalidate: (id) => invalidated.push(id),
      job: (report) => {
        jobs.push(report);
        onJob?.();
      },
      reload: (outcome) => reloads.push(outcome),
    };
    const jobDone = () => new Promise<void>((resolve) => (onJob = resolve));
    return { listener, jobs, reloads, invalidated, jobDone };
  }

  it('decides and stores on its own thread, runs the worker there, and reports back what the HTTP thread needs', async () => {
    const logs = new PassThrough();
    let logText = '';
    logs.on('data', (chunk: Buffer) => (logText += chunk.toString('utf8')));
    const seen = recorder();
    const core = await startCoreThread(config(), { withWorker: false, service: 'test' }, { logs, listener: seen.listener, onStopped: unexpected });
    try {
      const processed = seen.jobDone();
      const result = await core.evaluate({ patient_id: uniquePatientId(), age: 70, chronic_pain: true });
      await processed;

      expect(result.outcome).to.equal('created');
      expect(result.recommendation.recommendations.map((r) => r.code)).to.deep.equal(['PHYSICAL_THERAPY']);
      expect(seen.reloads).to.deep.include({ ok: true, activeVersion: '1.0.0' });
      expect(seen.jobs).to.have.length(1);
      expect(seen.jobs[0]).to.include({ recommendationId: result.recommendation.id, outcome: 'completed' });
      expect(seen.invalidated, 'the notification changed the view the HTTP thread caches').to.deep.equal([result.recommendation.id]);
      expect((await core.rulesStatus()).active?.version).to.equal('1.0.0');
      await core.checkStore();
      await core.checkRules();
      await core.checkQueue();
      expect(logText, "the worker's log lines reach the API's log destination").to.include('patient notified (simulated)');
    } finally {
      await core.close();
    }
  });

  it('refuses to start, with the core message naming the rejected file, when no ruleset is valid', async () => {
    const err = await startCoreThread(config(path.join(PROJECT_ROOT, 'test/fixtures/rules/typo')), { withWorker: false, service: 'test' }, { logs: new PassThrough(), listener: recorder().listener, onStopped: unexpected }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.include('1.1.0.json');
  });

  it('tells its host once when it stops without being closed, and answers calls in flight and later with 503 UNAVAILABLE', async () => {
    let stopped!: (err: Error) => void;
    const crashed = new Promise<Error>((resolve) => (stopped = resolve));
    const core = await startCoreThread(config(), { withWorker: false, service: 'test' }, {
      logs: new PassThrough(),
      listener: recorder().listener,
      onStopped: stopped,
      entry: '../test/fixtures/threads/crashing-core-thread',
    });
    const inFlight = core.evaluate({ patient_id: uniquePatientId(), age: 40 }).catch((e: unknown) => e);

    const err = await crashed;

    expect(err.message).to.equal('a bug in the service core');
    expect(await inFlight).to.be.instanceOf(AppError).with.property('code', 'UNAVAILABLE');
    expect(await core.checkStore().catch((e: unknown) => e)).to.be.instanceOf(AppError).with.property('code', 'UNAVAILABLE');
  });

  it('answers every call after close with 503 UNAVAILABLE, since the thread is gone', async () => {
    const core: ServiceCore = await startCoreThread(config(), { withWorker: false, service: 'test' }, { logs: new PassThrough(), listener: recorder().listener, onStopped: unexpected });
    await core.close();

    const err = await core.evaluate({ patient_id: uniquePatientId(), age: 40 }).catch((e: unknown) => e);

    expect(err).to.be.instanceOf(AppError);
    expect(err).to.include({ code: 'UNAVAILABLE' });
  });
});
