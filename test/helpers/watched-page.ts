// The init script and page.evaluate callbacks run in the browser: they need the DOM types.
/// <reference lib="dom" />
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

declare global {
  interface Window {
    cspViolations?: string[];
  }
}

/** A browser tab with everything the browser tests check about its traffic and console. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Every URL the page asked for. */
  requests: string[];
  /** Requests to anywhere but 127.0.0.1: aborted, and a test failure. */
  offsite: string[];
  /** Console errors and uncaught exceptions. */
  errors: Array<{ text: string; url: string }>;
  /** What the content security policy blocked (read in the page: `window.cspViolations`). */
  cspViolations(): Promise<string[]>;
}

/** Opens a tab that may talk to 127.0.0.1 only and records its requests, console errors and CSP violations. */
export async function openWatchedPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext(options);
  const requests: string[] = [];
  const offsite: string[] = [];
  const errors: WatchedPage['errors'] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    offsite.push(url.href);
    return route.abort();
  });
  // Runs before the page's own scripts, outside its CSP: records what the CSP blocks.
  await context.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations?.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push({ text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (err) => errors.push({ text: err.message, url: '' }));
  return { page, context, requests, offsite, errors, cspViolations: () => page.evaluate(() => window.cspViolations ?? []) };
}
