import express, { type Express, type RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { TokenVerifier } from '../core/auth/verify-token.js';
import type { RecommendationCache } from '../core/cache/cache.js';
import type { HealthCheck } from '../core/platform/health.js';
import { opsRoutes } from '../core/platform/ops-routes.js';
import type { Logger } from '../core/platform/logger.js';
import type { Metrics } from '../core/platform/metrics.js';
import type { RecommendationStore } from '../core/store/store.js';
import { requireScope } from './auth.js';
import { closeAfterTooLarge, limitOf, limitStreamedBody, rejectDeclaredOversize } from './body-limit.js';
import { dereferencedOpenapi, openapiDocument, openapiText } from './openapi.js';
import { operationsOf, type Operation } from './operations.js';
import { problemHandler, sendProblem } from './problem.js';
import { createRequestValidators } from './request-validator.js';
import { requestId } from './request-id.js';
import { securityHeaders } from './security-headers.js';
import { evaluateHandler } from './routes/evaluate.js';
import { getRecommendationHandler, listPatientRecommendationsHandler } from './routes/recommendations.js';
import { getReportSummaryHandler } from './routes/reports.js';
import { getRulesHandler } from './routes/rules.js';
import { RULES_IMPACT_PATH, rulesetBodyParser, rulesImpactHandler } from './routes/rules-impact.js';
import { cdsDiscoveryHandler, cdsPatientViewHandler } from './routes/cds-hooks.js';
import { cdsHooksCors } from './routes/cds-hooks-cors.js';
import { cdsFeedbackHandler } from './routes/cds-hooks-feedback.js';
import type { FhirFactsConfig } from '../core/fhir/facts-config.js';
import type { FhirClientOptions } from '../core/fhir/fhir-client.js';
import { dashboardRoutes } from './routes/dashboard.js';
import type { EvaluateDeps } from '../core/domain/evaluate.js';

export interface AppDeps {
  verifyToken: TokenVerifier;
  store: RecommendationStore;
  cache: RecommendationCache;
  /** What POST /evaluate needs: the recommender, the store and the relay. */
  evaluation: EvaluateDeps;
  /** The CDS Hooks door: how FHIR becomes facts (rules/fhir/facts.json) and how the EHR's FHIR server is read. */
  cdsHooks: { fhirFacts: FhirFactsConfig; fhirClient: FhirClientOptions };
  rulesStatus: () => unknown;
  health: HealthCheck[];
  metrics: Metrics;
  logger: Logger;
  /** Per token subject (or client address) limits; see rate-limit.ts. */
  rateLimit: RequestHandler;
  /** RULES_MAX_FILE_BYTES: the largest candidate ruleset POST /rules/impact reads. */
  rulesMaxFileBytes: number;
}

/**
 * Every operation of openapi.yaml is one route: its bearer scope is checked
 * first (an anonymous caller gets 401 and learns nothing about the input
 * rules), then its body is parsed, then everything is validated against the
 * spec, then the handler runs. Scopes and schemas come from the spec alone.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestId);
  app.use('/cds-services', cdsHooksCors);
  app.use(httpMetrics(deps.metrics));
  app.use(securityHeaders());
  app.use(rejectDeclaredOversize(deps.rulesMaxFileBytes));
  app.use(deps.rateLimit);

  const handlers: Record<string, RequestHandler> = {
    evaluatePatient: evaluateHandler(deps),
    getRecommendation: getRecommendationHandler(deps),
    listPatientRecommendations: listPatientRecommendationsHandler(deps),
    getRules: getRulesHandler(deps.rulesStatus),
    rulesImpact: rulesImpactHandler(deps.store),
    getReportSummary: getReportSummaryHandler(deps.store),
    cdsDiscovery: cdsDiscoveryHandler(deps.cdsHooks.fhirFacts),
    cdsPatientView: cdsPatientViewHandler({ ...deps, ...deps.cdsHooks }),
    cdsFeedback: cdsFeedbackHandler(deps.store),
  };
  const operations = operationsOf(dereferencedOpenapi);
  const rulesetBody = rulesetBodyParser(deps.rulesMaxFileBytes);
  const validatorFor = createRequestValidators();
  for (const operation of operations) {
    const handler = handlers[operation.operationId];
    if (handler === undefined) {
      if (operation.scope !== undefined) throw new Error(`openapi.yaml: no handler for the secured operation ${operation.operationId}`);
      continue; // health, metrics and the spec itself: served below.
    }
    app[operation.method](operation.expressPath, ...stepsBefore(operation, deps.verifyToken, rulesetBody, deps.rulesMaxFileBytes), validatorFor(operation), handler);
  }
  for (const id of Object.keys(handlers)) {
    if (!operations.some((o) => o.operationId === id)) throw new Error(`openapi.yaml: no operation ${id}`);
  }

  app.use(opsRoutes(deps.health, deps.metrics));
  app.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(openapiText);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapiDocument));
  app.use(dashboardRoutes());
  for (const [path, allowed] of allowedMethods(operations)) {
    app.all(path, (req, res) => {
      res.setHeader('Allow', allowed);
      sendProblem(res, { status: 405, detail: `${req.method} is not allowed here; use ${allowed}` });
    });
  }

  app.use((req, res) => sendProblem(res, { status: 404, detail: `no route for ${req.method} ${req.path}` }));
  app.use(closeAfterTooLarge);
  app.use(problemHandler(deps.logger));
  return app;
}

function stepsBefore(operation: Operation, verifyToken: TokenVerifier, rulesetBody: RequestHandler, rulesMaxFileBytes: number): RequestHandler[] {
  const steps: RequestHandler[] = [];
  if (operation.scope !== undefined) steps.push(requireScope(verifyToken, operation.scope));
  if (operation.jsonBody && operation.expressPath === RULES_IMPACT_PATH) steps.push(requireJsonBody, limitStreamedBody(rulesMaxFileBytes), rulesetBody);
  else if (operation.jsonBody) {
    const limit = limitOf(operation.expressPath);
    steps.push(requireJsonBody, limitStreamedBody(limit), express.json({ limit, strict: true, type: () => true }));
  }
  return steps;
}

/** Bodies are JSON only: anything else is 415 before it is parsed. */
const requireJsonBody: RequestHandler = (req, res, next) => {
  if (!req.is('application/json')) {
    return sendProblem(res, { status: 415, detail: 'send the body as Content-Type: application/json' });
  }
  next();
};

/** For a 405 on a path the spec knows: its methods, as the Allow header lists them. */
function allowedMethods(operations: Operation[]): Map<string, string> {
  const byPath = new Map<string, string[]>();
  for (const { expressPath, method } of operations) byPath.set(expressPath, [...(byPath.get(expressPath) ?? []), method.toUpperCase()]);
  return new Map([...byPath].map(([path, methods]) => [path, methods.join(', ')]));
}

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
