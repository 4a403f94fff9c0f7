import express, { type Express, type RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { TokenVerifier } from '../core/auth/verify-token.js';
import type { RecommendationCache } from '../core/cache/cache.js';
import type { HealthCheck } from '../core/health.js';
import { opsRoutes } from '../core/http/ops-routes.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { RecommendationEvent } from '../core/recommendation.js';
import type { Recommender } from '../core/rules/recommender.js';
import type { RecommendationStore } from '../core/store/store.js';
import { requireScope } from './auth.js';
import { openapiDocument, openapiText, requestValidator } from './openapi.js';
import { problemHandler, sendProblem } from './problem.js';
import { requestId } from './request-id.js';
import { SECURED_ROUTES } from './secured-routes.js';
import { evaluateRoute } from './routes/evaluate.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { reportRoutes } from './routes/reports.js';
import { rulesRoutes } from './routes/rules.js';

export interface AppDeps {
  verifyToken: TokenVerifier;
  store: RecommendationStore;
  cache: RecommendationCache;
  recommender: Recommender;
  rulesStatus: () => unknown;
  onRecommendationCreated: (event: RecommendationEvent) => void;
  health: HealthCheck[];
  metrics: Metrics;
  logger: Logger;
}

const BODY_LIMIT = '64kb';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestId);
  app.use(httpMetrics(deps.metrics));

  app.use(opsRoutes(deps.health, deps.metrics));
  app.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(openapiText);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapiDocument));

  for (const route of SECURED_ROUTES) app[route.method](route.path, requireScope(deps.verifyToken, route.scope));
  app.use(requireJsonBody);
  app.use(express.json({ limit: BODY_LIMIT, strict: true, type: () => true }));
  app.use(requestValidator());

  app.use(evaluateRoute({ ...deps, onCreated: deps.onRecommendationCreated }));
  app.use(recommendationRoutes(deps));
  app.use(rulesRoutes(deps.rulesStatus));
  app.use(reportRoutes(deps.store));

  app.use((req, res) => sendProblem(res, { status: 404, detail: `no route for ${req.method} ${req.path}` }));
  app.use(problemHandler(deps.logger));
  return app;
}

/** Bodies are JSON only: anything else is 415 before it is parsed. */
const requireJsonBody: RequestHandler = (req, res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (!hasBody && req.method !== 'POST') return next();
  if (!req.is('application/json')) {
    return sendProblem(res, { status: 415, detail: 'send the body as Content-Type: application/json' });
  }
  next();
};

function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      // The route template, never the raw path: ids must not become label values.
      const route = req.route?.path as string | undefined;
      stop({ route: route ?? (res.statusCode === 404 ? 'unmatched' : 'other'), status: String(res.statusCode) });
    });
    next();
  };
}
