import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's package (`apt-get install chromium`), as .ci/run installs it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless Chromium driven by playwright-core. Undefined when it is not
 * installed: the caller skips with one loud line. No sandbox (containers
 * have no user namespaces); no background traffic, so a test can assert
 * that the page alone talks to the network.
 */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    console.warn(`SKIPPED browser tests: ${CHROMIUM_PATH} not found; install it with: apt-get install chromium`);
    return undefined;
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
}
