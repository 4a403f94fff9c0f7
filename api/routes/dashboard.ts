import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { PROJECT_ROOT } from '../../core/platform/paths.js';

/** The page's own files: plain HTML, CSS and ES modules, no build step. */
const DASHBOARD_DIR = path.join(PROJECT_ROOT, 'api', 'dashboard');

/** Chart.js's browser bundle (UMD: one file, no imports to resolve), found the way Node finds the package. */
const CHART_JS_DIST = path.dirname(createRequire(import.meta.url).resolve('chart.js'));
const CHART_JS_FILES = ['chart.umd.min.js', 'chart.umd.min.js.map'];

/**
 * GET /dashboard: the analysts' page. It loads without a token (the page
 * asks for one) and reads the public API only, so nothing here is secured.
 * Everything it loads comes from this service: no CDN, works offline.
 */
export function dashboardRoutes(): Router {
  const router = Router();
  // (express also matches /dashboard/ here; the page links its files by absolute path, so both work.)
  router.get('/dashboard', (_req, res) => {
    res.sendFile(path.join(DASHBOARD_DIR, 'index.html'), { headers: { 'Cache-Control': 'no-cache' } });
  });
  router.use('/dashboard/assets', express.static(path.join(DASHBOARD_DIR, 'assets'), { index: false, redirect: false }));
  for (const file of CHART_JS_FILES) {
    router.get(`/dashboard/vendor/${file}`, (_req, res) => {
      res.sendFile(path.join(CHART_JS_DIST, file));
    });
  }
  return router;
}
