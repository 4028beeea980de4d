/**
 * The API's routes, matched on method and path. Every route that touches a run names the run's workflow
 * (`/workflows/{name}/runs/...`), so an IAM policy on `execute-api:Invoke` can scope a caller to one
 * workflow by resource ARN, and the handler can refuse a run of another workflow.
 */

/** What a route does to a workflow's runs: the action its authorisation names. */
export type RunAction = 'start' | 'read' | 'cancel';

/** A route on one workflow's runs. */
export type RunRoute =
  | { readonly name: 'submit'; readonly workflow: string }
  | { readonly name: 'getRun'; readonly workflow: string; readonly runId: string }
  | { readonly name: 'history'; readonly workflow: string; readonly runId: string }
  | {
      readonly name: 'taskOutput';
      readonly workflow: string;
      readonly runId: string;
      readonly taskId: string;
    }
  | { readonly name: 'cancel'; readonly workflow: string; readonly runId: string }
  | { readonly name: 'redrive'; readonly workflow: string; readonly runId: string }
  | { readonly name: 'rollback'; readonly workflow: string; readonly runId: string };

export type Route =
  | RunRoute
  | { readonly name: 'listWorkflows' }
  | { readonly name: 'completeCallback'; readonly token: string }
  | { readonly name: 'heartbeatCallback'; readonly token: string };

/**
 * The action each run route needs. Redrive starts tasks again (with a new input, or from a checkpointed
 * task), as much as starting a run does: `start`. Rollback, like cancel, runs the compensations that undo
 * what succeeded: `cancel`.
 */
export const ROUTE_ACTIONS = {
  submit: 'start',
  getRun: 'read',
  history: 'read',
  taskOutput: 'read',
  cancel: 'cancel',
  redrive: 'start',
  rollback: 'cancel',
} as const satisfies Record<RunRoute['name'], RunAction>;

/** The result of matching a request: a route, a known path with the wrong method, or nothing. */
export type RouteMatch =
  | { readonly kind: 'route'; readonly route: Route }
  | { readonly kind: 'methodNotAllowed'; readonly allow: readonly string[] }
  | { readonly kind: 'notFound' };

/** Every route as API Gateway declares it (`METHOD /path`); the CDK construct creates exactly these. */
export const API_ROUTES = [
  'POST /workflows/{name}/runs',
  'GET /workflows/{name}/runs/{id}',
  'GET /workflows/{name}/runs/{id}/history',
  'GET /workflows/{name}/runs/{id}/tasks/{taskId}/output',
  'POST /workflows/{name}/runs/{id}/cancel',
  'POST /workflows/{name}/runs/{id}/redrive',
  'POST /workflows/{name}/runs/{id}/rollback',
  'GET /workflows',
  'POST /callbacks/{token}',
  'POST /callbacks/{token}/heartbeat',
] as const;

/** The path of a workflow's runs (`/workflows/{name}/runs`), with the name encoded. */
export function runsPath(workflow: string): string {
  return `/workflows/${encodeURIComponent(workflow)}/runs`;
}

/** The path of one run (`/workflows/{name}/runs/{id}`), with both encoded. */
export function runPath(workflow: string, runId: string): string {
  return `${runsPath(workflow)}/${encodeURIComponent(runId)}`;
}

type RunActionName = 'history' | 'cancel' | 'redrive' | 'rollback';
const RUN_ACTIONS: Readonly<Record<string, readonly [RunActionName, 'GET' | 'POST']>> = {
  history: ['history', 'GET'],
  cancel: ['cancel', 'POST'],
  redrive: ['redrive', 'POST'],
  rollback: ['rollback', 'POST'],
};

/**
 * Matches a method and a raw path (no query string; a trailing slash is ignored). A segment that does not
 * decode, or decodes to `.`, `..` or something holding a `/`, matches nothing: the workflow the handler
 * reads from the path is the one the caller's authorisation saw in it.
 *
 * @example
 * matchRoute('GET', '/workflows/orders/runs/r1/history');
 * // { kind: 'route', route: { name: 'history', workflow: 'orders', runId: 'r1' } }
 */
export function matchRoute(method: string, rawPath: string): RouteMatch {
  const segments = rawPath.split('/').filter((segment) => segment !== '');
  const verb = method.toUpperCase();
  const decoded = segments.map(safeDecode);
  if (decoded.some((segment) => segment === undefined)) return { kind: 'notFound' };
  const parts = decoded as string[];
  const pick = (allowed: Record<string, Route>): RouteMatch => {
    const route = allowed[verb];
    return route ? { kind: 'route', route } : { kind: 'methodNotAllowed', allow: Object.keys(allowed) };
  };
  const [first, second, third, runId, action] = parts;
  if (first === 'workflows') {
    if (parts.length === 1) return pick({ GET: { name: 'listWorkflows' } });
    if (second === undefined || third !== 'runs') return { kind: 'notFound' };
    const workflow = second;
    if (parts.length === 3) return pick({ POST: { name: 'submit', workflow } });
    if (runId === undefined) return { kind: 'notFound' };
    if (parts.length === 4) return pick({ GET: { name: 'getRun', workflow, runId } });
    const named =
      action === undefined || !Object.hasOwn(RUN_ACTIONS, action) ? undefined : RUN_ACTIONS[action];
    if (parts.length === 5 && named) {
      const [name, allowed] = named;
      return pick({ [allowed]: { name, workflow, runId } });
    }
    if (parts.length === 7 && action === 'tasks' && parts[6] === 'output') {
      return pick({ GET: { name: 'taskOutput', workflow, runId, taskId: parts[5] as string } });
    }
    return { kind: 'notFound' };
  }
  if (first === 'callbacks' && second !== undefined) {
    const token = second;
    if (parts.length === 2) return pick({ POST: { name: 'completeCallback', token } });
    if (parts.length === 3 && third === 'heartbeat') {
      return pick({ POST: { name: 'heartbeatCallback', token } });
    }
  }
  return { kind: 'notFound' };
}

/** The routes before runs were addressed through their workflow: `/runs`, `/runs/{id}/...`. */
export function isRetiredRunPath(rawPath: string): boolean {
  return /^\/*runs(\/|$)/.test(rawPath);
}

function safeDecode(segment: string): string | undefined {
  let value: string;
  try {
    value = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return value === '.' || value === '..' || value.includes('/') ? undefined : value;
}
