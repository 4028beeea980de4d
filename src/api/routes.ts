/** The API's routes, matched on method and path. */

export type Route =
  | { readonly name: 'submit' }
  | { readonly name: 'listWorkflows' }
  | { readonly name: 'getRun'; readonly runId: string }
  | { readonly name: 'history'; readonly runId: string }
  | { readonly name: 'taskOutput'; readonly runId: string; readonly taskId: string }
  | { readonly name: 'cancel'; readonly runId: string }
  | { readonly name: 'redrive'; readonly runId: string }
  | { readonly name: 'rollback'; readonly runId: string }
  | { readonly name: 'completeCallback'; readonly token: string }
  | { readonly name: 'heartbeatCallback'; readonly token: string };

/** The result of matching a request: a route, a known path with the wrong method, or nothing. */
export type RouteMatch =
  | { readonly kind: 'route'; readonly route: Route }
  | { readonly kind: 'methodNotAllowed'; readonly allow: readonly string[] }
  | { readonly kind: 'notFound' };

/** Every route as API Gateway declares it (`METHOD /path`); the CDK construct creates exactly these. */
export const API_ROUTES = [
  'POST /runs',
  'GET /runs/{id}',
  'GET /runs/{id}/history',
  'GET /runs/{id}/tasks/{taskId}/output',
  'POST /runs/{id}/cancel',
  'POST /runs/{id}/redrive',
  'POST /runs/{id}/rollback',
  'GET /workflows',
  'POST /callbacks/{token}',
  'POST /callbacks/{token}/heartbeat',
] as const;

/**
 * Matches a method and a raw path (no query string; a trailing slash is ignored).
 *
 * @example
 * matchRoute('GET', '/runs/r1/history'); // { kind: 'route', route: { name: 'history', runId: 'r1' } }
 */
export function matchRoute(method: string, rawPath: string): RouteMatch {
  const segments = rawPath.split('/').filter((segment) => segment !== '');
  const verb = method.toUpperCase();
  const decoded = segments.map(safeDecode);
  if (decoded.some((segment) => segment === undefined)) return { kind: 'notFound' };
  const parts = decoded as string[];
  const [first, runId, action] = parts;
  const pick = (allowed: Record<string, Route>): RouteMatch => {
    const route = allowed[verb];
    return route ? { kind: 'route', route } : { kind: 'methodNotAllowed', allow: Object.keys(allowed) };
  };
  if (parts.length === 1 && first === 'runs') return pick({ POST: { name: 'submit' } });
  if (parts.length === 1 && first === 'workflows') return pick({ GET: { name: 'listWorkflows' } });
  if (first === 'runs' && runId !== undefined) {
    if (parts.length === 2) return pick({ GET: { name: 'getRun', runId } });
    if (parts.length === 3 && action === 'history') return pick({ GET: { name: 'history', runId } });
    if (parts.length === 3 && action === 'cancel') return pick({ POST: { name: 'cancel', runId } });
    if (parts.length === 3 && action === 'redrive') return pick({ POST: { name: 'redrive', runId } });
    if (parts.length === 3 && action === 'rollback') return pick({ POST: { name: 'rollback', runId } });
    if (parts.length === 5 && action === 'tasks' && parts[4] === 'output') {
      return pick({ GET: { name: 'taskOutput', runId, taskId: parts[3] as string } });
    }
  }
  if (first === 'callbacks' && runId !== undefined) {
    const token = runId;
    if (parts.length === 2) return pick({ POST: { name: 'completeCallback', token } });
    if (parts.length === 3 && action === 'heartbeat') {
      return pick({ POST: { name: 'heartbeatCallback', token } });
    }
  }
  return { kind: 'notFound' };
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
