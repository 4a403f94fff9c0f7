// Composition root of the standalone worker process: `npm run start:worker` (needs REDIS_URL).
import { runProcess } from '../core/platform/process-lifecycle.js';
import { startWorkerService } from './service.js';

await runProcess('worker', startWorkerService);
