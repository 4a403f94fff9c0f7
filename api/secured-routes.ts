/**
 * Which scope each operation needs (openapi.yaml documents the same). Checked
 * before the body is parsed or validated, so an anonymous caller gets 401 and
 * learns nothing about the input rules.
 */
export const SECURED_ROUTES = [
  { method: 'post', path: '/evaluate', scope: 'recommendations:write' },
  { method: 'get', path: '/recommendation/:id', scope: 'recommendations:read' },
  { method: 'get', path: '/patients/:patient_id/recommendations', scope: 'recommendations:read' },
  { method: 'get', path: '/rules', scope: 'rules:read' },
  { method: 'get', path: '/reports/summary', scope: 'reports:read' },
] as const;
