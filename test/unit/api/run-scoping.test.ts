import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiAuthorization } from '../../../src/api/authorization.ts';
import { type ApiEvent, type ApiResult, createApiHandler } from '../../../src/api/index.ts';
import { catalogOf, chainPlan, FakeRuntime } from '../../support/fake-runtime.ts';

const plans = catalogOf([chainPlan('loans', ['check', 'decide']), chainPlan('payroll', ['pay'])]);

/** A request as API Gateway hands it over, with a JWT's claims when `claims` is given. */
function request(
  method: string,
  rawPath: string,
  options: { body?: string; claims?: Record<string, unknown> } = {},
): ApiEvent {
  const authorizer = options.claims === undefined ? {} : { authorizer: { jwt: { claims: options.claims } } };
  return {
    rawPath,
    headers: {},
    ...(options.body === undefined ? {} : { body: options.body }),
    requestContext: { http: { method }, requestId: 'req-1', ...authorizer },
  } as ApiEvent;
}

function errorOf(result: ApiResult): { code: string; message: string } {
  return (JSON.parse(result.body) as { error: { code: string; message: string } }).error;
}

/** Every route on one run, as `[method, path]`. */
function runRoutes(workflow: string, runId: string): [string, string][] {
  const run = `/workflows/${workflow}/runs/${runId}`;
  return [
    ['GET', run],
    ['GET', `${run}/history`],
    ['GET', `${run}/tasks/check/output`],
    ['POST', `${run}/cancel`],
    ['POST', `${run}/redrive`],
    ['POST', `${run}/rollback`],
  ];
}

describe('the API: a run through its own workflow only', () => {
  let runtime: FakeRuntime;
  let loanRun: string;

  beforeEach(async () => {
    runtime = new FakeRuntime(plans);
    loanRun = (await runtime.submit({ workflow: 'loans', input: {} })).runId;
    const view = runtime.runs.get(loanRun);
    if (!view) expect.fail('no run');
    runtime.runs.set(loanRun, {
      ...view,
      tasks: { ...view.tasks, check: { status: 'succeeded', attempts: 1, output: { ok: true } } },
    });
  });

  it.each(runRoutes('payroll', 'RUN'))(
    'answers %s %s for a run of another workflow with 404 run.notFound, changing nothing',
    async (method, path) => {
      const handle = createApiHandler({ runtime, plans });
      const result = await handle(request(method, path.replace('RUN', loanRun)));
      expect([result.statusCode, errorOf(result).code]).toEqual([404, 'run.notFound']);
      expect(result.body).not.toContain('loans');
      expect(runtime.runs.get(loanRun)?.status).toBe('running');
    },
  );

  it('answers the same routes through the run own workflow', async () => {
    const handle = createApiHandler({ runtime, plans });
    for (const [method, path] of runRoutes('loans', loanRun).slice(0, 4)) {
      expect((await handle(request(method, path))).statusCode).toBe(200);
    }
    expect(runtime.runs.get(loanRun)?.status).toBe('cancelled');
  });

  it('starts a run of the workflow the path names, with the location under it', async () => {
    const handle = createApiHandler({ runtime, plans });
    const result = await handle(request('POST', '/workflows/payroll/runs', { body: '{"input":{"n":1}}' }));
    expect(result.statusCode).toBe(201);
    expect(runtime.submissions.at(-1)).toMatchObject({ workflow: 'payroll', input: { n: 1 } });
    expect(result.headers.location).toMatch(/^\/workflows\/payroll\/runs\//);
  });
});

describe('the API with a JWT authoriser: scopes per route and workflow', () => {
  let runtime: FakeRuntime;
  let handle: ReturnType<typeof createApiHandler>;
  let loanRun: string;

  const jwt: ApiAuthorization = 'jwt';
  const as = (scope: string) => ({ claims: { sub: 'u1', scope } });

  beforeEach(async () => {
    runtime = new FakeRuntime(plans);
    handle = createApiHandler({ runtime, plans, authorization: jwt });
    loanRun = (await runtime.submit({ workflow: 'loans', input: {} })).runId;
  });

  it('starts a run with weft:start:<workflow> and refuses it with another workflow scope or action', async () => {
    const start = (scope: string) =>
      handle(request('POST', '/workflows/loans/runs', { body: '{}', ...as(scope) }));
    expect((await start('weft:start:loans')).statusCode).toBe(201);
    for (const scope of ['weft:start:payroll', 'weft:read:loans weft:cancel:loans', 'weft:start:loan', '']) {
      const refused = await start(scope);
      expect([refused.statusCode, errorOf(refused).code]).toEqual([403, 'auth.forbidden']);
      expect(errorOf(refused).message).toContain("'weft:start:loans'");
      expect(refused.headers['www-authenticate']).toContain('insufficient_scope');
    }
    expect(runtime.submissions.filter((s) => s.workflow === 'loans')).toHaveLength(2);
  });

  it.each([
    ['GET', '', 'read'],
    ['GET', '/history', 'read'],
    ['GET', '/tasks/check/output', 'read'],
    ['POST', '/cancel', 'cancel'],
    ['POST', '/rollback', 'cancel'],
    ['POST', '/redrive', 'start'],
  ])('%s <run>%s needs weft:%s:<workflow>', async (method, suffix, action) => {
    const path = `/workflows/loans/runs/${loanRun}${suffix}`;
    const others = ['start', 'read', 'cancel'].filter((other) => other !== action);
    const refused = await handle(
      request(
        method,
        path,
        as([...others.map((o) => `weft:${o}:loans`), `weft:${action}:payroll`].join(' ')),
      ),
    );
    expect([refused.statusCode, errorOf(refused).code]).toEqual([403, 'auth.forbidden']);
    expect(runtime.runs.get(loanRun)?.status).toBe('running');
    const allowed = await handle(request(method, path, as(`weft:${action}:loans`)));
    expect(allowed.statusCode).not.toBe(403);
  });

  it('refuses before saying whether the workflow or the run exists', async () => {
    for (const path of ['/workflows/nope/runs/x', `/workflows/payroll/runs/${loanRun}`]) {
      const refused = await handle(request('GET', path, as('weft:read:loans')));
      expect(refused.statusCode).toBe(403);
    }
  });

  it('takes weft:<action>:* for every workflow, and the scp claim as Entra ID and Okta send it', async () => {
    const read = `/workflows/loans/runs/${loanRun}`;
    expect((await handle(request('GET', read, as('openid weft:read:*')))).statusCode).toBe(200);
    for (const scp of ['weft:read:loans', '[profile weft:read:loans]', ['weft:read:loans']]) {
      const result = await handle(request('GET', read, { claims: { sub: 'u1', scp } }));
      expect(result.statusCode).toBe(200);
    }
  });

  it('refuses a request without claims, as if the token held no scope', async () => {
    const result = await handle(request('GET', `/workflows/loans/runs/${loanRun}`));
    expect(result.statusCode).toBe(403);
  });

  it('lists only the workflows the token holds a scope on', async () => {
    const list = async (scope: string) =>
      (
        JSON.parse((await handle(request('GET', '/workflows', as(scope)))).body) as {
          workflows: { name: string }[];
        }
      ).workflows.map((w) => w.name);
    expect(await list('weft:cancel:payroll')).toEqual(['payroll']);
    expect(await list('weft:read:*')).toEqual(['loans', 'payroll']);
    expect(await list('openid')).toEqual([]);
  });

  it('takes callbacks on the token alone, with no scope', async () => {
    const result = await handle(request('POST', '/callbacks/tok', { body: '{"output":1}', ...as('') }));
    expect([result.statusCode, errorOf(result).code]).toEqual([404, 'callback.notFound']);
  });
});
