/**
 * Which execute-api resources a caller of the API is granted: pure, from `API_ROUTES` and the same action
 * of each run route the JWT scopes use (`ROUTE_ACTIONS`), so an IAM grant and a JWT scope of one workflow
 * allow the same requests.
 */
import { API_ROUTES, matchRoute, ROUTE_ACTIONS, type RunAction } from '../../src/api/routes.ts';

/** What to grant. Without `workflows`: every route, of every workflow (and the callbacks and the list). */
export interface InvokeScope {
  /** Only the run routes of these workflows. */
  readonly workflows?: readonly string[];
  /** Only the run routes needing these actions (start: submit, redrive; read; cancel: cancel, rollback). */
  readonly actions?: readonly RunAction[];
}

/** One resource of an `execute-api:Invoke` grant: `<method>` and the path with `*` for each parameter. */
export interface InvokeResource {
  readonly method: string;
  readonly path: string;
  /** Why the path holds a wildcard, for the cdk-nag acknowledgement; absent when it holds none. */
  readonly wildcard?: string;
}

/** A path of the route with each parameter filled in, to learn which route it is. */
function sample(path: string): string {
  return path.replace(/\{[^}]+\}/g, 'x');
}

/**
 * The resources to grant for `scope`, route by route.
 *
 * @example
 * invokeResources({ workflows: ['loans'], actions: ['start'] }).map((r) => `${r.method} ${r.path}`);
 * // the submit route and the redrive route of the workflow loans, each run id a wildcard
 */
export function invokeResources(scope: InvokeScope = {}): InvokeResource[] {
  const resources: InvokeResource[] = [];
  for (const key of API_ROUTES) {
    const [method, path] = key.split(' ') as [string, string];
    const match = matchRoute(method, sample(path));
    if (match.kind !== 'route') throw new Error(`API_ROUTES names ${key}, which matchRoute does not know`);
    const { route } = match;
    if (!Object.hasOwn(ROUTE_ACTIONS, route.name)) {
      // the list and the callbacks: granted only with the whole API
      if (scope.workflows !== undefined || scope.actions !== undefined) continue;
      const wild = path.replace(/\{[^}]+\}/g, '*');
      resources.push({
        method,
        path: wild,
        ...(wild.includes('*')
          ? { wildcard: 'the wildcard is a callback token; only its holder can complete the task' }
          : {}),
      });
      continue;
    }
    const action = ROUTE_ACTIONS[route.name as keyof typeof ROUTE_ACTIONS];
    if (scope.actions !== undefined && !scope.actions.includes(action)) continue;
    for (const workflow of scope.workflows ?? ['*']) {
      const named = path.replace('{name}', workflow).replace(/\{[^}]+\}/g, '*');
      const what = workflow === '*' ? 'a workflow name, run id and task id' : 'a run id and task id';
      resources.push({
        method,
        path: named,
        ...(named.includes('*')
          ? {
              wildcard: `the wildcards stand for ${what}: the caller may ${action} ${workflow === '*' ? "every workflow's runs" : `the runs of ${workflow}`}`,
            }
          : {}),
      });
    }
  }
  return resources;
}
