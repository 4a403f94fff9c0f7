import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { SERVICE_FLAGS } from '../bench/stack.js';

/**
 * The service's node flags are written out in every launch command (node
 * refuses them in NODE_OPTIONS): each must carry exactly SERVICE_FLAGS, so
 * the bench and the tests measure what `npm start` and Docker run.
 */
describe('launch commands', () => {
  /** The node flags of a command: what comes between the runner (node or tsx) and the script. */
  const flagsOf = (command: string[]): string[] => {
    const script = command.findIndex((arg, i) => i > 0 && !arg.startsWith('-'));
    return command.slice(1, script);
  };

  it('npm start, start:api and start:worker run the service with SERVICE_FLAGS', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    for (const name of ['start', 'start:api', 'start:worker']) {
      const command = (scripts[name] ?? '').split(/\s+/);
      expect(command[0], name).to.equal('tsx');
      expect(flagsOf(command), name).to.deep.equal(SERVICE_FLAGS);
    }
  });

  it("the Dockerfile's CMD and docker-compose.yml's api and worker commands run node with SERVICE_FLAGS", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
    const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, { command?: string[] }> };
    const commands = {
      Dockerfile: JSON.parse(cmd ?? '[]') as string[],
      'compose api': compose.services.api?.command ?? [],
      'compose worker': compose.services.worker?.command ?? [],
    };
    for (const [where, command] of Object.entries(commands)) {
      expect(command[0], where).to.equal('node');
      expect(flagsOf(command), where).to.deep.equal(SERVICE_FLAGS);
    }
  });
});
