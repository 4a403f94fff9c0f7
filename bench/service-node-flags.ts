/**
 * The node flags every default launch gives the service (package.json's
 * start scripts, the Dockerfile's NODE_OPTIONS), so the bench measures it
 * as users run it; test/launch-flags.test.ts keeps them the same.
 * docs/operations.md "Memory" says why the heap is bounded.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-old-space-size=1024'];
