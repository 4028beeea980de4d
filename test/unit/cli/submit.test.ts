import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiRunView } from '../../../src/api/index.ts';
import { registerSubmit } from '../../../src/cli/commands/submit.ts';
import type { CliIo } from '../../../src/cli/io.ts';
import { regionOfEndpoint } from '../../../src/client/signed-client.ts';
import { UserInputError } from '../../../src/errors.ts';
import { captureIo, closeFakeApi, credentials, fakeApi } from '../../support/fake-api.ts';

async function submit(
  args: string[],
  io: CliIo,
  provider: () => Promise<typeof credentials> = async () => credentials,
): Promise<void> {
  const program = new Command('weft').exitOverride();
  registerSubmit(program, io, { credentials: () => provider, sleep: async () => {} });
  await program.parseAsync(['submit', ...args], { from: 'user' });
}

afterEach(closeFakeApi);

/** A run as `GET /workflows/{name}/runs/{id}` answers it. */
function runBody(runId: string, state: Pick<ApiRunView, 'status' | 'rollback' | 'tasks'>): ApiRunView {
  return { runId, workflow: 'w', planVersion: 'v', input: {}, compensations: [], ...state };
}

describe('weft submit', () => {
  it('signs POST /workflows/{name}/runs with SigV4 for execute-api and prints the answer', async () => {
    const api = await fakeApi(() => ({
      status: 201,
      body: { runId: 'r1', workflow: 'loan_approval', created: true },
    }));
    const io = captureIo();
    await submit(
      [
        'loan_approval',
        '--endpoint',
        api.url,
        '--region',
        'eu-west-1',
        '--input',
        '{"a":1}',
        '--idempotency-key',
        'k-1',
      ],
      io,
    );
    expect(api.seen).toHaveLength(1);
    const [request] = api.seen;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/workflows/loan_approval/runs');
    expect(JSON.parse(request?.body ?? '')).toEqual({ input: { a: 1 } });
    expect(request?.headers['idempotency-key']).toBe('k-1');
    expect(request?.headers.authorization).toMatch(
      /Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
    );
    expect(request?.headers.authorization).toMatch(/SignedHeaders=[^,]*host[^,]*;[^,]*idempotency-key/);
    expect(request?.signatureValid).toBe(true);
    expect(JSON.parse(io.stdout.join(''))).toEqual({ runId: 'r1', workflow: 'loan_approval', created: true });
  });

  it('waits for the run and exits like weft run', async () => {
    let polls = 0;
    const api = await fakeApi((seen) => {
      if (seen.method === 'POST') return { status: 201, body: { runId: 'r2', workflow: 'w', created: true } };
      polls += 1;
      const done = polls >= 2;
      return {
        status: 200,
        body: runBody('r2', {
          status: done ? 'failed' : 'running',
          rollback: done ? 'incomplete' : 'none',
          tasks: { a: { status: 'failed', attempts: 1 } },
        }),
      };
    });
    const io = captureIo();
    await submit(['w', '--endpoint', api.url, '--region', 'us-east-1', '--wait', '--poll-interval', '0'], io);
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /workflows/w/runs?wait=25',
      'GET /workflows/w/runs/r2',
      'GET /workflows/w/runs/r2',
    ]);
    expect(api.seen.every((s) => s.signatureValid)).toBe(true);
    expect(JSON.parse(io.stdout.join(''))).toMatchObject({
      runId: 'r2',
      status: 'failed',
      rollback: 'incomplete',
    });
    expect(io.exitCode).toBe(3);
  });

  it('asks the API to wait, and prints the run it answers with once ended, without polling', async () => {
    const api = await fakeApi(() => ({
      status: 200,
      body: runBody('r5', {
        status: 'succeeded',
        rollback: 'none',
        tasks: { a: { status: 'succeeded', attempts: 1, output: 'A' } },
      }),
    }));
    const io = captureIo();
    await submit(['w', '--endpoint', api.url, '--region', 'us-east-1', '--wait'], io);
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /workflows/w/runs?wait=25']);
    expect(api.seen[0]?.signatureValid).toBe(true);
    expect(JSON.parse(io.stdout.join(''))).toMatchObject({ runId: 'r5', status: 'succeeded' });
    expect(io.stderr.join('')).not.toMatch(/waiting/);
    expect(io.exitCode).toBe(0);
  });

  it('prints the outputs the view links whole, reading each through its route', async () => {
    const big = { rows: 'x'.repeat(1000) };
    const api = await fakeApi((seen) => {
      if (seen.method === 'POST') return { status: 201, body: { runId: 'r4', workflow: 'w', created: true } };
      if (seen.url === '/workflows/w/runs/r4/tasks/b/output') {
        return { status: 200, body: { runId: 'r4', taskId: 'b', output: big } };
      }
      return {
        status: 200,
        body: runBody('r4', {
          status: 'succeeded',
          rollback: 'none',
          tasks: {
            a: { status: 'succeeded', attempts: 1, output: 1 },
            b: {
              status: 'succeeded',
              attempts: 1,
              outputOmitted: { bytes: 1011, href: '/workflows/w/runs/r4/tasks/b/output' },
            },
          },
        }),
      };
    });
    const io = captureIo();
    await submit(['w', '--endpoint', api.url, '--region', 'us-east-1', '--wait', '--poll-interval', '0'], io);
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /workflows/w/runs?wait=25',
      'GET /workflows/w/runs/r4',
      'GET /workflows/w/runs/r4/tasks/b/output',
    ]);
    expect(api.seen.every((s) => s.signatureValid)).toBe(true);
    expect(JSON.parse(io.stdout.join('')).tasks).toEqual({
      a: { status: 'succeeded', attempts: 1, output: 1 },
      b: { status: 'succeeded', attempts: 1, output: big },
    });
    expect(io.exitCode).toBe(0);
  });

  it('sends no signature with --unsigned', async () => {
    const api = await fakeApi(() => ({ status: 201, body: { runId: 'r3', workflow: 'w', created: true } }));
    await submit(['w', '--endpoint', api.url, '--unsigned'], captureIo());
    expect(api.seen[0]?.headers.authorization).toBeUndefined();
  });

  it('fails with the API message when the API refuses the request', async () => {
    const api = await fakeApi(() => ({
      status: 404,
      body: { error: { code: 'workflow.unknown', message: 'no workflow named "nope"' } },
    }));
    await expect(
      submit(['nope', '--endpoint', api.url, '--region', 'eu-west-1'], captureIo()),
    ).rejects.toThrow(/404 workflow.unknown: no workflow named "nope"/);
  });

  it('fails with a user error when no AWS credentials can be found', async () => {
    const api = await fakeApi(() => ({ status: 201, body: {} }));
    const missing = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
    };
    await expect(
      submit(['w', '--endpoint', api.url, '--region', 'eu-west-1'], captureIo(), missing),
    ).rejects.toThrow(
      /no AWS credentials to sign the request \(Could not load credentials from any providers\)/,
    );
    expect(api.seen).toHaveLength(0);
  });

  it('rejects a bad --poll-interval before submitting anything', async () => {
    const api = await fakeApi(() => ({ status: 201, body: { runId: 'r' } }));
    await expect(
      submit(['w', '--endpoint', api.url, '--unsigned', '--wait', '--poll-interval', 'soon'], captureIo()),
    ).rejects.toThrow(/--poll-interval/);
    expect(api.seen).toHaveLength(0);
  });

  it('rejects a custom-domain endpoint without --region', async () => {
    await expect(submit(['w', '--endpoint', 'https://api.example.com'], captureIo())).rejects.toThrow(
      UserInputError,
    );
  });

  it('rejects an endpoint that is not a URL', async () => {
    await expect(submit(['w', '--endpoint', 'not a url', '--unsigned'], captureIo())).rejects.toThrow(
      /--endpoint/,
    );
  });

  it('fails clearly when nothing listens at the endpoint', async () => {
    await expect(
      submit(['w', '--endpoint', 'http://127.0.0.1:9', '--unsigned'], captureIo()),
    ).rejects.toThrow(/cannot reach http:\/\/127.0.0.1:9/);
  });
});

describe('regionOfEndpoint', () => {
  it.each([
    ['https://abc123.execute-api.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod', 'cn-north-1'],
    ['https://api.example.com', undefined],
  ])('%s -> %s', (endpoint, region) => {
    expect(regionOfEndpoint(endpoint)).toBe(region);
  });
});
