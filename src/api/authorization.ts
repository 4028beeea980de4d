/**
 * Who may do what on which workflow, decided from what API Gateway verified about the caller. Pure: the
 * handler passes the event in and acts on the answer.
 *
 * - `iam`: API Gateway checked `execute-api:Invoke` on the route's ARN, which names the workflow
 *   (`.../POST/workflows/loan_approval/runs`): nothing is left to check here.
 * - `jwt`: the authoriser checked the token's issuer, audience and expiry; the scopes are checked here.
 *   A run route needs `weft:<action>:<workflow>` (or `weft:<action>:*`, every workflow), the action being
 *   the route's ({@link ROUTE_ACTIONS}).
 * - `none`: `weft dev`, which has no callers but its own user (see docs/local.md).
 */
import type { ApiEvent } from './http.ts';
import { ROUTE_ACTIONS, type RunAction, type RunRoute } from './routes.ts';

/** How the API's callers are authenticated, which says what the handler still has to check. */
export type ApiAuthorization = 'none' | 'iam' | 'jwt';

/** The JWT scope that allows `action` on `workflow`'s runs: `weft:read:loan_approval`. */
export function scopeFor(action: RunAction, workflow: string): string {
  return `weft:${action}:${workflow}`;
}

/** What API Gateway says of the caller (payload v2): an IAM principal, or a JWT's claims. */
interface Authorised {
  readonly authorizer?: {
    readonly iam?: { readonly userArn?: string };
    readonly jwt?: {
      readonly claims?: Readonly<Record<string, unknown>>;
      readonly scopes?: readonly string[] | null;
    };
  };
}

function authorizerOf(event: ApiEvent): Authorised['authorizer'] {
  return (event.requestContext as Authorised).authorizer;
}

/**
 * The scopes a JWT grants: its `scope` claim (space-separated, as OAuth 2.0 and Cognito write it), its `scp`
 * claim (Entra ID and Okta; an array, which API Gateway hands over as `[a b]`), and the authoriser's own
 * `scopes` list. No JWT: no scopes.
 *
 * @example
 * grantedScopes(eventWithClaims({ scope: 'weft:read:orders weft:start:orders' })); // Set { 'weft:read:orders', 'weft:start:orders' }
 */
export function grantedScopes(event: ApiEvent): ReadonlySet<string> {
  const jwt = authorizerOf(event)?.jwt;
  const scopes = new Set<string>();
  const add = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) add(item);
      return;
    }
    if (typeof value !== 'string') return;
    const text = value.trim().replace(/^\[(.*)\]$/s, '$1');
    for (const scope of text.split(/[\s,]+/)) if (scope !== '') scopes.add(scope);
  };
  add(jwt?.claims?.scope);
  add(jwt?.claims?.scp);
  add(jwt?.scopes ?? undefined);
  return scopes;
}

/** Whether `scopes` allow `action` on `workflow`: its own scope, or the action's wildcard `weft:<action>:*`. */
export function holdsScope(scopes: ReadonlySet<string>, action: RunAction, workflow: string): boolean {
  return scopes.has(scopeFor(action, workflow)) || scopes.has(scopeFor(action, '*'));
}

/** The scope a run route lacks, or undefined when the caller may use it. */
export function missingScope(
  authorization: ApiAuthorization,
  event: ApiEvent,
  route: RunRoute,
): string | undefined {
  if (authorization !== 'jwt') return undefined;
  const action = ROUTE_ACTIONS[route.name];
  return holdsScope(grantedScopes(event), action, route.workflow)
    ? undefined
    : scopeFor(action, route.workflow);
}

/**
 * Whether `GET /workflows` lists `workflow` to this caller: with JWTs, only a workflow the token holds some
 * scope on (a caller learns no other workflow's name); otherwise every one (IAM allowed the route itself).
 */
export function listsWorkflow(authorization: ApiAuthorization, event: ApiEvent, workflow: string): boolean {
  if (authorization !== 'jwt') return true;
  const scopes = grantedScopes(event);
  return (['start', 'read', 'cancel'] as const).some((action) => holdsScope(scopes, action, workflow));
}

/** Who asked, for the run's history: the IAM principal or the JWT's subject, as API Gateway verified them. */
export function callerOf(event: ApiEvent): string {
  const authorizer = authorizerOf(event);
  const arn = authorizer?.iam?.userArn;
  if (typeof arn === 'string' && arn !== '') return arn;
  const sub = authorizer?.jwt?.claims?.sub;
  return typeof sub === 'string' && sub !== '' ? `jwt:${sub}` : 'api';
}
