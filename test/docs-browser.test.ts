import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { openapiDocument } from '../api/openapi.js';
import { startTestService, type TestService } from './helpers/api-service.js';
import { launchChromium } from './helpers/chromium.js';
import { openWatchedPage } from './helpers/watched-page.js';

/**
 * Swagger UI at /docs under the service's content security policy, in a real
 * headless Chromium: it must render every operation, with no CSP violation,
 * no console error and no request leaving the service (no CDN, no validator).
 */
describe('GET /docs in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let svc: TestService;

  before(async function () {
    browser = await launchChromium();
    if (!browser) this.skip();
    svc = await startTestService();
  });
  after(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('renders every operation of openapi.yaml under the CSP, with everything served by the service', async () => {
    const { page, context, requests, offsite, errors, cspViolations } = await openWatchedPage(browser as Browser);
    try {
      const response = await page.goto(`http://127.0.0.1:${svc.service.port}/docs/`);
      expect(response?.status()).to.equal(200);
      expect(response?.headers()['content-security-policy']).to.include("script-src 'self'");

      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      const shown = (await page.locator('.opblock-summary-path').allTextContents()).map((t) => t.replace(/\u200b/g, '').trim());
      const paths = Object.keys(openapiDocument.paths as Record<string, unknown>);
      expect(paths).to.include('/evaluate');
      for (const path of paths) expect(shown, `Swagger UI lists ${path}`).to.include(path);
      expect(await page.locator('.info .title').textContent()).to.include('Clinical Recommendations API');
      // Authorize exists: the bearer scheme was understood.
      expect(await page.locator('button.authorize').count()).to.be.greaterThan(0);

      expect(await cspViolations()).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
      expect(offsite).to.deep.equal([]);
      expect(requests.some((url) => url.endsWith('/docs/swagger-ui-bundle.js'))).to.equal(true);
    } finally {
      await context.close();
    }
  });
});
