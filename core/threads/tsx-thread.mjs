// Runs a TypeScript module (the URL in argv) on a worker thread when the
// service runs from source: Node 20 does not hand tsx's loader hooks to
// worker threads, so this registers them first. See start-thread.ts.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);
