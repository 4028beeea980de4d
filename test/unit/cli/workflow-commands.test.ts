import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { weft } from '../../support/weft-in-process.ts';

const LOAN = 'test/fixtures/workflows/loan_approval.yaml';
const BROKEN = 'test/fixtures/workflows/broken.yaml';

describe('weft validate', () => {
  it('prints ok with the counts for a valid file', async () => {
    expect(await weft('validate', LOAN)).toEqual({ code: 0, out: `ok ${LOAN}: 3 tasks, 3 edges\n`, err: '' });
  });

  it('prints every mistake and exits 1 for an invalid file, still checking the others', async () => {
    const result = await weft('validate', BROKEN, LOAN);
    expect(result.code).toBe(1);
    expect(result.out).toBe(`ok ${LOAN}: 3 tasks, 3 edges\n`);
    expect(result.err).toBe(
      [
        `${BROKEN}:5:14: dependency cycle: ingest -> transform -> publish -> ingest`,
        `${BROKEN}:8:16: task 'transform' timeout must be a positive duration such as 250ms, 30s, 5m, 1h, 1d or 1m30s, got 'soon'`,
        '',
      ].join('\n'),
    );
  });

  it('fails on a missing file without a stack trace', async () => {
    const result = await weft('validate', 'no/such.yaml');
    expect(result.code).toBe(1);
    expect(result.err).toBe("weft: cannot read workflow file 'no/such.yaml': no such file or directory\n");
  });

  it('validates every workflow file of a folder, and refuses a reused workflow name', async () => {
    const example = 'examples/loan_approval/workflow.yaml';
    const result = await weft('validate', 'test/fixtures/workflows', LOAN, example);
    expect(result.code).toBe(1);
    expect(result.out).toBe(`ok ${LOAN}: 3 tasks, 3 edges\n`);
    expect(result.err).toContain(`${BROKEN}:5:14: dependency cycle`);
    expect(result.err).toMatch(
      new RegExp(
        `^${example}:\\d+:3: workflow name 'loan_approval' is already used by ${LOAN}; names must be unique$`,
        'm',
      ),
    );
  });

  it('fails on an unknown flag, with the usage', async () => {
    const unknown = await weft('validate', '--strict', LOAN);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("error: unknown option '--strict'");
    expect(unknown.err).toContain('Usage: weft validate');
  });

  it('prints help', async () => {
    const help = await weft('validate', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: weft validate [options] <paths...>');
  });
});

describe('weft plan', () => {
  it('prints the plan as JSON', async () => {
    const result = await weft('plan', LOAN);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({
      name: 'loan_approval',
      order: ['credit_check', 'fraud_detection', 'final_decision'],
    });
  });

  it('fails on an invalid file with the diagnostics', async () => {
    const result = await weft('plan', BROKEN);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toContain(`weft: ${BROKEN}:5:14: dependency cycle`);
  });
});

describe('weft graph', () => {
  it('prints a Mermaid flowchart by default, marking retries and compensations', async () => {
    const { code, out } = await weft('graph', LOAN);
    expect(code).toBe(0);
    expect(out).toContain('flowchart TD\n');
    expect(out).toContain(
      '  t0["credit_check<br/>retries: 3 attempts<br/>compensation: revert_credit_query"]\n',
    );
    expect(out).toContain('  t0 --> t1\n  t0 --> t2\n  t1 --> t2\n');
    expect(out).toContain('  class t0 retried\n');
    expect(out).toContain('  class t0 compensated\n');
  });

  it('prints Graphviz DOT with --format dot', async () => {
    const { code, out } = await weft('graph', LOAN, '--format', 'dot');
    expect(code).toBe(0);
    expect(out.startsWith('digraph "loan_approval" {\n')).toBe(true);
    expect(out).toContain('"credit_check" -> "final_decision";');
    expect(out).toContain('peripheries=2');
  });

  it('rejects an unknown format with the usage', async () => {
    const { code, err } = await weft('graph', LOAN, '--format', 'svg');
    expect(code).toBe(1);
    expect(err).toContain("argument 'svg' is invalid. Allowed choices are mermaid, dot.");
    expect(err).toContain('Usage: weft graph');
  });
});

describe('the weft bin', () => {
  it('runs as a process and exits 1 on an invalid workflow', async () => {
    const run = promisify(execFile);
    const ok = await run(process.execPath, ['bin/weft.js', 'validate', LOAN]);
    expect(ok.stdout).toBe(`ok ${LOAN}: 3 tasks, 3 edges\n`);
    const failed = await run(process.execPath, ['bin/weft.js', 'validate', BROKEN]).catch(
      (error: unknown) => error,
    );
    expect(failed).toMatchObject({ code: 1, stdout: '' });
    expect((failed as { stderr: string }).stderr).not.toMatch(/\bat .*\.ts:\d+/);
  }, 30_000);
});

describe('weft --version', () => {
  it("prints the package's version and exits 0", async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const { code, out } = await weft('--version');
    expect(code).toBe(0);
    expect(out).toBe(`${version}\n`);
  });
});
