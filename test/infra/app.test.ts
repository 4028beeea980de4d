import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const handlers = join(root, 'test/fixtures/infra/handlers.ts');
/** A stack trace's frames, which a user's mistake must never print. */
const STACK_FRAME = /\n\s+at /;

/**
 * Runs infra/app.ts as cdk does (tsx, the context in CDK_CONTEXT_JSON) in `cwd`; resolves to its failure,
 * or undefined if it passed.
 */
function synthFailure(
  context: Record<string, unknown>,
  cwd = root,
): Promise<{ code: number; stderr: string } | undefined> {
  return run(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'infra/app.ts')], {
    cwd,
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'weft-cdk-out-')),
    },
  }).then(
    () => undefined,
    (error: { code: number; stderr: string }) => error,
  );
}

/** A folder holding one workflow file; returns the folder and the file. */
function workflows(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-workflows-'));
  const file = join(dir, 'flow.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

describe('infra/app.ts refuses, with one line per mistake, exit 1 and no stack trace', () => {
  it('an invalid workflow, with path:line:col lines', async () => {
    const { dir, file } = workflows('workflow:\n  name: bad\n  tasks:\n    - id: a\n      dep: [b]\n');
    const failure = await synthFailure({ 'weft:workflows': dir });
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`${file}:5:7: unknown field 'dep'`);
    expect(failure?.stderr).not.toMatch(STACK_FRAME);
  });

  it('handlers the module does not export, at the task that names each', async () => {
    const { dir, file } = workflows(
      [
        'workflow:',
        '  name: orders',
        '  tasks:',
        '    - id: charge',
        '      compensation: refund',
        '    - id: ship',
        '    - id: notify',
        '      handler: send_mail',
        '      compensation: unsend',
        '',
      ].join('\n'),
    );
    const failure = await synthFailure({ 'weft:workflows': dir, 'weft:handlers': handlers });
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toBe(
      [
        'weft: cannot synthesize the app:',
        `${file}:6:11: missing handler 'ship': export it from '${handlers}'`,
        `${file}:8:16: missing handler 'send_mail': export it from '${handlers}'`,
        `${file}:9:21: missing handler 'unsend': export it from '${handlers}'`,
        '',
      ].join('\n'),
    );
  });

  it('a task that outlasts the worker function, at its timeout', async () => {
    const { dir, file } = workflows(
      'workflow:\n  name: slow\n  tasks:\n    - id: charge\n      timeout: 5m\n',
    );
    const failure = await synthFailure({ 'weft:workflows': dir, 'weft:handlers': handlers });
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `${file}:5:16: task 'charge' timeout (5m) is longer than the worker function's (1m), which would stop every attempt before it times out; raise the worker's timeout to at least 5m (-c weft:workerTimeout=5m,`,
    );
    expect(failure?.stderr).not.toMatch(STACK_FRAME);
  });

  it('a task timeout that no Lambda function can hold, whatever weft:workerTimeout says', async () => {
    const { dir, file } = workflows(
      'workflow:\n  name: slow\n  tasks:\n    - id: charge\n      timeout: 20m\n',
    );
    const context = { 'weft:workflows': dir, 'weft:handlers': handlers, 'weft:workerTimeout': '15m' };
    const failure = await synthFailure(context);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `${file}:5:16: task 'charge' timeout (20m) is longer than a Lambda function may run (15m), so the deployed worker cannot hold it; shorten it to 15m or less`,
    );
    expect(failure?.stderr).not.toMatch(STACK_FRAME);
  });

  it('an unknown weft: context key, suggesting the nearest', async () => {
    const failure = await synthFailure({ 'weft:workerTimout': '5m', 'weft:colour': 'blue' });
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      "unknown context key 'weft:workerTimout'; did you mean 'weft:workerTimeout'?\n",
    );
    expect(failure?.stderr).toContain(
      "unknown context key 'weft:colour'; the keys weft reads are weft:workflows, weft:handlers,",
    );
    expect(failure?.stderr).not.toMatch(STACK_FRAME);
  });

  it('an unknown key written in cdk.json, at its cdk.json position', async () => {
    const project = mkdtempSync(join(tmpdir(), 'weft-project-'));
    const cdkJson = join(project, 'cdk.json');
    writeFileSync(
      cdkJson,
      '{\n  "app": "npx tsx infra/app.ts",\n  "context": {\n    "weft:handler": "h.ts"\n  }\n}\n',
    );
    const failure = await synthFailure({ 'weft:handler': 'h.ts', 'weft:handlers': handlers }, project);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `${cdkJson}:4:5: unknown context key 'weft:handler'; did you mean 'weft:handlers'?`,
    );
    expect(failure?.stderr).not.toMatch(STACK_FRAME);
  });

  it('a JWT issuer without an audience', async () => {
    const failure = await synthFailure({ 'weft:jwtIssuer': 'https://issuer.example.com' });
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toBe(
      'weft: cannot synthesize the app:\nweft:jwtIssuer needs weft:jwtAudience, the accepted client ids: add -c weft:jwtAudience=<client id>[,<client id>...]\n',
    );
  });

  it('a handlers module that does not exist', async () => {
    const failure = await synthFailure({ 'weft:handlers': 'missing.ts' });
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toBe(
      `weft: cannot synthesize the app:\nweft:handlers: no file at ${join(root, 'missing.ts')}; give the path of your handlers module, e.g. -c weft:handlers=src/handlers.ts\n`,
    );
  });

  it('worker settings out of range, each named with its value', async () => {
    const context = { 'weft:workerTimeout': '16m', 'weft:workerMemory': '64', 'weft:workerBatchSize': '11' };
    const failure = await synthFailure(context);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toBe(
      [
        'weft: cannot synthesize the app:',
        "weft:workerTimeout: must be whole seconds from 1s to 15m (Lambda's limit), such as 90s, 5m or 15m, got '16m'",
        "weft:workerMemory: must be an integer from 128 to 10240, got '64'",
        "weft:workerBatchSize: must be an integer from 1 to 10, got '11'",
        '',
      ].join('\n'),
    );
  });
});

describe('npx cdk synth', () => {
  it('synthesises the app offline, with no AWS credentials, from cdk.json', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'weft-cdk-synth-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    const { stdout } = await run('npx', ['cdk', 'synth', '--no-notices', '--output', outdir, '--quiet'], {
      cwd: root,
      env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(stdout).not.toMatch(/error/i);
    const template = JSON.parse(readFileSync(join(outdir, 'Weft.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
      Outputs: Record<string, unknown>;
    };
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(
      4,
    );
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'TableName', 'QueueUrl']),
    );
  });
});
