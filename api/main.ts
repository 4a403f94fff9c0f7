// Composition root of the API process: `npm run start:api`, or `npm start` (with --with-worker).
import { runProcess } from '../core/platform/process-lifecycle.js';
import { startApiService } from './service.js';

const withWorker = process.argv.includes('--with-worker');
const service = withWorker ? 'all-in-one' : 'api';
await runProcess(service, (config, logger) => startApiService(config, logger, { withWorker, service }));
