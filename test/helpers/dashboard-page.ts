// page.evaluate callbacks run in the browser: they need the DOM types.
/// <reference lib="dom" />
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { openWatchedPage, type WatchedPage } from './watched-page.js';

/** One dashboard tab with everything the tests check about its traffic and console. */
export interface DashboardSession extends WatchedPage {
  close(): Promise<void>;
}

export async function openDashboard(
  browser: Browser,
  baseUrl: string,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<DashboardSession> {
  const watched = await openWatchedPage(browser, { viewport: options.viewport ?? { width: 1280, height: 900 }, reducedMotion: 'reduce', locale: 'en-US' });
  const response = await watched.page.goto(`${baseUrl}/dashboard`);
  expect(response?.status()).to.equal(200);
  return { ...watched, close: () => watched.context.close() };
}

/**
 * Nothing left 127.0.0.1, nothing broke the CSP, and the console has no
 * error. Chromium logs every 4xx response as a console error, so a test of
 * a refused token names the statuses it provoked.
 */
export async function expectCleanPage(session: DashboardSession, expectedStatuses: number[] = []): Promise<void> {
  expect(session.offsite, 'requests that left 127.0.0.1').to.deep.equal([]);
  for (const url of session.requests) expect(new URL(url).hostname).to.equal('127.0.0.1');
  expect(await session.cspViolations(), 'CSP violations').to.deep.equal([]);
  const provoked = (text: string) => expectedStatuses.some((status) => text.includes(`status of ${status}`));
  expect(session.errors.filter((e) => !provoked(e.text)), 'console errors').to.deep.equal([]);
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.fill('#token', token);
  await page.press('#token', 'Enter');
}

export async function waitForState(page: Page, state: 'ready' | 'error' | 'needs-token'): Promise<void> {
  await page.waitForSelector(`body[data-state="${state}"]`);
}

/** What Chart.js itself holds: labels and each dataset's code and numbers. */
export async function chartData(page: Page): Promise<{ labels: string[]; datasets: Array<{ code: string; label: string; data: number[] }> }> {
  return page.evaluate(() => {
    const canvas = document.getElementById('daily-chart') as HTMLCanvasElement;
    const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { labels: string[]; datasets: Array<{ code: string; label: string; data: number[] }> } } | undefined } }).Chart.getChart(canvas);
    if (chart === undefined) throw new Error('no chart on the canvas');
    return { labels: [...chart.data.labels], datasets: chart.data.datasets.map((d) => ({ code: d.code, label: d.label, data: [...d.data] })) };
  });
}

/** A table's body as {first cell: [other cells]}, text as shown. */
export async function tableRows(page: Page, selector: string): Promise<Record<string, string[]>> {
  return page.$$eval(`${selector} tbody tr`, (rows) =>
    Object.fromEntries(rows.map((row) => [(row as HTMLElement).dataset.code ?? (row as HTMLElement).dataset.version ?? '', [...row.children].slice(1).map((c) => (c.textContent ?? '').trim())])),
  );
}
