import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { calls, FIXTURES, HANDLERS, runArgs, weft, workspace } from './weft-cli.ts';

/** `weft run` a fixture workflow with the test handlers in a fresh state dir. */
async function run(workflow: string, extra: readonly string[] = []) {
  const { stateDir, log } = await workspace();
  const input = JSON.stringify({ log });
  const outcome = await weft(runArgs(workflow, input, '--state-dir', stateDir, ...extra));
  return { ...outcome, log, stateDir, input };
}

describe('weft run', () => {
  it('runs a workflow to success: exit 0 and one JSON document on stdout', async () => {
    const { code, stdout, stderr, log } = await run('diamond.yaml', ['--run-id', 'diamond-1']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      runId: 'diamond-1',
      status: 'succeeded',
      rollback: 'none',
      tasks: {
        fetch: { status: 'succeeded', attempts: 1, output: { task: 'fetch', saw: [] } },
        left: { status: 'succeeded', attempts: 1, output: { task: 'left', saw: ['fetch'] } },
        right: { status: 'succeeded', attempts: 1, output: { task: 'right', saw: ['fetch'] } },
        join: { status: 'succeeded', attempts: 1, output: { task: 'join', saw: ['left', 'right'] } },
      },
      compensations: [],
    });
    expect((await calls(log)).sort()).toEqual(['fetch 1', 'join 1', 'left 1', 'right 1']);
    expect(stderr).toContain('join: succeeded');
  });

  it('fails and rolls back in reverse order: exit 2', async () => {
    const { code, stdout, stderr, log } = await run('rollback.yaml');
    expect(code, stderr).toBe(2);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      status: 'failed',
      rollback: 'completed',
      tasks: {
        reserve: { status: 'compensated', attempts: 1 },
        charge: { status: 'compensated', attempts: 1 },
        ship: { status: 'failed', attempts: 1, error: { message: 'ship failed on purpose' } },
      },
      compensations: [
        { task: 'charge', handler: 'undo', status: 'succeeded', attempts: 1 },
        { task: 'reserve', handler: 'undo', status: 'succeeded', attempts: 1 },
      ],
    });
    expect(await calls(log)).toEqual(['reserve 1', 'charge 1', 'ship 1', 'undo charge', 'undo reserve']);
  });

  it('exits when a timed-out run is final, abandoning the handler that ignores its signal: exit 2', async () => {
    const { code, stdout, stderr, log } = await run('stray.yaml');
    expect(code, stderr).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      status: 'failed',
      rollback: 'completed',
      tasks: { slow: { status: 'failed', error: { name: 'TaskTimeout' } } },
    });
    // the stray attempt was still sleeping when weft printed the result and exited
    expect(existsSync(`${log}.stray-done`)).toBe(false);
  });

  it('says a run stopped by its workflow timeout failed with WorkflowTimeout: exit 2', async () => {
    const { dir, stateDir, log } = await workspace();
    const input = JSON.stringify({ log, gate: `${dir}/gate`, ms: 1_500 });
    const ran = await weft(runArgs('deadline.yaml', input, '--state-dir', stateDir));
    expect(ran.code, ran.stderr).toBe(2);
    expect(JSON.parse(ran.stdout)).toMatchObject({
      status: 'failed',
      error: {
        name: 'WorkflowTimeout',
        message: 'the run did not finish within its workflow timeout of 500 ms',
      },
    });
  });

  it('reports a compensation that fails for good: exit 3, rollback incomplete', async () => {
    const { code, stdout, stderr, log } = await run('broken-compensation.yaml');
    expect(code, stderr).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({
      status: 'failed',
      rollback: 'incomplete',
      tasks: { reserve: { status: 'compensation_failed' }, ship: { status: 'failed' } },
      compensations: [
        {
          task: 'reserve',
          handler: 'undo_fails',
          status: 'failed',
          attempts: 2,
          error: { name: 'Error', message: 'cannot undo reserve' },
        },
      ],
      error: { taskId: 'ship' },
    });
    expect((await calls(log)).filter((line) => line === 'undo reserve')).toHaveLength(2);
  });

  it('fails before running anything when handlers are missing, naming every one: exit 1', async () => {
    const { code, stdout, stderr, log } = await run('missing.yaml');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `weft: missing handlers 'reserve_stock', 'release_stock', 'notify': export them from '${HANDLERS}'\n`,
    );
    expect(await calls(log)).toEqual([]);
  });

  it('rejects an invalid workflow with path:line:col lines and no stack trace: exit 1', async () => {
    const { code, stdout, stderr } = await run('invalid.yaml');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^test\/fixtures\/cli\/invalid\.yaml:\d+:\d+: /);
    expect(stderr).toMatch(/invalid\.yaml:8:\d+: .*dep/);
    expect(stderr).toMatch(/invalid\.yaml:11:\d+: .*shipp/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an input over 256 KB with the limit and the fix, running nothing: exit 1', async () => {
    const { dir, stateDir, log } = await workspace();
    const file = `${dir}/big.json`;
    await writeFile(file, JSON.stringify({ log, blob: 'x'.repeat(400 * 1024) }));
    const outcome = await weft(runArgs('diamond.yaml', `@${file}`, '--state-dir', stateDir));
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(
      /^weft: the run's input is 400(\.\d)? KB as JSON, more than the 256.0 KB a run takes; store large data elsewhere/,
    );
    expect(outcome.stderr).not.toContain('    at ');
    expect(await calls(log)).toEqual([]);
  });

  it('refuses a lambda: task without a local stand-in up front, and runs the stand-in when there is one', async () => {
    const { stateDir, log } = await workspace();
    const refused = await weft(runArgs('lambda.yaml', JSON.stringify({ log }), '--state-dir', stateDir));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `weft: missing handler 'charge': export it from '${HANDLERS}' (task 'charge' invokes Lambda ` +
        "'arn:aws:lambda:eu-west-1:123456789012:function:charge' on AWS; locally weft invokes no Lambda " +
        'function and runs a stand-in export named after the task instead)\n',
    );
    expect(await calls(log)).toEqual([]);
    const input = JSON.stringify({ log });
    const ran = await weft([
      ...runArgs('lambda.yaml', input, '--state-dir', stateDir).map((arg) =>
        arg === HANDLERS ? `${FIXTURES}/stand-in/handlers.ts` : arg,
      ),
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout).tasks.charge.output).toEqual({ stand_in: 'charge', saw: ['before'] });
  });

  it('rejects bad usage with a message: exit 1', async () => {
    const badInput = await run('diamond.yaml', ['--input', '{nope']);
    expect(badInput.code).toBe(1);
    expect(badInput.stderr).toContain('--input is not valid JSON');
    const noHandlers = await weft(['run', `${FIXTURES}/diamond.yaml`]);
    expect(noHandlers.code).toBe(1);
    expect(noHandlers.stderr).toContain("required option '--handlers <module>' not specified");
  });

  it('runs against an external DynamoDB given by --dynamodb-endpoint, leaving the state dir alone', async () => {
    const endpoint = ['--dynamodb-endpoint', inject('dynamodbEndpoint')];
    const { code, stdout, stderr, stateDir } = await run('diamond.yaml', endpoint);
    expect(code, stderr).toBe(0);
    expect(existsSync(stateDir)).toBe(false);
    const { runId } = JSON.parse(stdout) as { runId: string };
    const status = await weft(['status', runId, '--state-dir', stateDir, ...endpoint]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ runId, status: 'succeeded', workflow: 'diamond' });
  });

  it('runs with --backend aws where the AWS SDK variables point, creating the table and queue', async () => {
    const suffix = randomUUID().slice(0, 8);
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
      AWS_ENDPOINT_URL_SQS: inject('sqsEndpoint'),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      WEFT_TABLE: `weft-cli-${suffix}`,
      WEFT_QUEUE: `weft-cli-${suffix}`,
    };
    const { stateDir, log } = await workspace();
    const args = runArgs(
      'diamond.yaml',
      JSON.stringify({ log }),
      '--backend',
      'aws',
      '--state-dir',
      stateDir,
    );
    const ran = await weft(args, env);
    expect(ran.code, ran.stderr).toBe(0);
    expect(existsSync(stateDir)).toBe(false);
    const { runId } = JSON.parse(ran.stdout) as { runId: string };
    const status = await weft(['status', runId, '--backend', 'aws'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ runId, status: 'succeeded', workflow: 'diamond' });
  });

  it('rejects --backend aws without a region, naming the fix: exit 1', async () => {
    const { stateDir } = await workspace();
    const outcome = await weft(
      [...runArgs('diamond.yaml', '{}', '--backend', 'aws', '--state-dir', stateDir)],
      { AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_CONFIG_FILE: '/nonexistent', AWS_PROFILE: '' },
    );
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^weft: --backend aws: .*set AWS_REGION/);
    expect(outcome.stderr).not.toContain('    at ');
  });

  it('returns the same run for the same --run-id without running a task again', async () => {
    const first = await run('diamond.yaml', ['--run-id', 'once']);
    expect(first.code, first.stderr).toBe(0);
    const again = await weft(
      runArgs('diamond.yaml', first.input, '--state-dir', first.stateDir, '--run-id', 'once'),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('run once already exists');
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(first.stdout));
    expect((await calls(first.log)).sort()).toEqual(['fetch 1', 'join 1', 'left 1', 'right 1']);
  });
});
