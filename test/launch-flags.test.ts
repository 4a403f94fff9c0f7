import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { SERVICE_NODE_FLAGS } from '../bench/service-node-flags.js';

/**
 * One event loop per process (issue 15): every default launch runs node as
 * users run it, without `--single-threaded-gc`. Only the bench offers it
 * (`npm run bench -- --node-flag=--single-threaded-gc`). Node refuses the flag
 * in NODE_OPTIONS, so a launch can carry it only on its command line.
 */
const FLAG = '--single-threaded-gc';
/** The heap bound (docs/operations.md "Memory"): without it V8 lets the heap grow to about four times what is live. */
const HEAP_FLAG = '--max-old-space-size=1024';

/** package.json's start scripts, by name. */
function startScripts(): Record<string, string> {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  return Object.fromEntries(Object.entries(scripts).filter(([name]) => name === 'start' || name.startsWith('start:')));
}

/** The Dockerfile's CMD and ENTRYPOINT instructions (the HEALTHCHECK's CMD is indented, so not one of them). */
function dockerfileCommands(): string[] {
  return [...readFileSync('Dockerfile', 'utf8').matchAll(/^(?:CMD|ENTRYPOINT)\s+(.*)$/gm)].map((m) => m[1] as string);
}

/** Each compose service's command and entrypoint, as one string each. */
function composeCommands(): Record<string, string> {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, { command?: string | string[]; entrypoint?: string | string[] }> };
  const commands: Record<string, string> = {};
  for (const [name, service] of Object.entries(compose.services)) {
    for (const key of ['command', 'entrypoint'] as const) {
      const value = service[key];
      if (value !== undefined) commands[`${name} ${key}`] = [value].flat().join(' ');
    }
  }
  return commands;
}

describe('launch commands', () => {
  it(`npm start, start:api and start:worker run without ${FLAG}`, () => {
    const scripts = startScripts();
    expect(Object.keys(scripts)).to.include.members(['start', 'start:api', 'start:worker']);
    for (const [name, command] of Object.entries(scripts)) expect(command.split(/\s+/), name).not.to.include(FLAG);
  });

  it(`the Dockerfile's CMD runs node without ${FLAG}`, () => {
    const commands = dockerfileCommands();
    expect(commands.some((c) => c.includes('dist/api/main.js')), 'a CMD that starts the API').to.equal(true);
    for (const command of commands) expect(command).not.to.include(FLAG);
  });

  it(`docker-compose.yml's api and worker run node without ${FLAG}`, () => {
    const commands = composeCommands();
    expect(commands['api command']).to.include('dist/api/main.js');
    expect(commands['worker command']).to.include('dist/worker/main.js');
    for (const [where, command] of Object.entries(commands)) expect(command, where).not.to.include(FLAG);
  });

  it(`npm start, start:api and start:worker bound the heap with ${HEAP_FLAG}`, () => {
    for (const [name, command] of Object.entries(startScripts())) expect(command.split(/\s+/), name).to.include(HEAP_FLAG);
  });

  it(`the image gives every node process ${HEAP_FLAG} through NODE_OPTIONS`, () => {
    const runtime = readFileSync('Dockerfile', 'utf8').split(/^FROM /m).at(-1) ?? '';
    expect(runtime).to.match(new RegExp(`^\\s+NODE_OPTIONS=${HEAP_FLAG}$`, 'm'));
  });

  it('the bench starts the service with the same node flags as npm start', () => {
    expect(SERVICE_NODE_FLAGS).to.deep.equal([HEAP_FLAG]);
  });
});
