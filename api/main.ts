// Composition root of the API process: `npm run start:api`, or `npm start` (with --with-worker).
import { runProcess } from '../core/process-lifecycle.js';
import { startApiService } from './service.js';

const withWorker = process.argv.includes('--with-worker');
await runProcess(withWorker ? 'all-in-one' : 'api', (config, logger) => startApiService(config, logger, { withWorker }));
