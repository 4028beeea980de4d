import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

/** Runs infra/app.ts on a workflows folder as cdk would; resolves to its failure, or undefined if it passed. */
function synthFailure(workflowsDir: string): Promise<{ code: number; stderr: string } | undefined> {
  return run(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
    cwd: root,
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ 'weft:workflows': workflowsDir }),
      CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'weft-cdk-out-')),
    },
  }).then(
    () => undefined,
    (error: { code: number; stderr: string }) => error,
  );
}

describe('infra/app.ts', () => {
  it('fails the synth of an invalid workflow with path:line:col lines and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-bad-workflows-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'workflow:\n  name: bad\n  tasks:\n    - id: a\n      dep: [b]\n');
    const failure = await synthFailure(dir);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`${file}:5:7: unknown field 'dep'`);
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('infra/app.ts settings', () => {
  it('fails the synth of a task that outlasts the worker function with a message and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-slow-workflows-'));
    writeFileSync(
      join(dir, 'slow.yaml'),
      'workflow:\n  name: slow\n  tasks:\n    - id: crunch\n      timeout: 5m\n',
    );
    const failure = await synthFailure(dir);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("workflow 'slow', task 'crunch': its timeout (300 s)");
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
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
