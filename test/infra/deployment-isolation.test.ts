import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWeftDeployment } from '../../infra/orchestrator/deployment.ts';
import { WorkflowError } from '../../src/workflow/index.ts';

function project(workflow: string): { workflowsDir: string; handlersModule: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-isolation-deploy-'));
  const workflowsDir = join(dir, 'workflows');
  mkdirSync(workflowsDir);
  const file = join(workflowsDir, 'flow.yaml');
  writeFileSync(file, workflow);
  const handlersModule = join(dir, 'handlers.mjs');
  writeFileSync(
    handlersModule,
    'export const a = () => 1; export const b = () => 2; export const c = () => 3;\n',
  );
  return { workflowsDir, handlersModule, file };
}

describe('deploying isolation:', () => {
  it('refuses process isolation without lambda: at the isolation, saying what it means on AWS', async () => {
    const { file, ...source } = project(
      'workflow:\n  name: flow\n  tasks:\n    - id: a\n      isolation: process\n    - id: b\n      isolation: thread\n    - id: c\n      isolation: none\n',
    );
    const error = await readWeftDeployment(source).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowError);
    expect(String((error as Error).message).split('\n')).toEqual([
      `${file}:5:18: task 'a' has isolation: process, which on AWS means a Lambda function of its own (its own process and role): give it lambda: <function name or ARN> (locally its stand-in export then runs in a child process), or isolation: thread to run it in a worker thread of the worker function`,
    ]);
  });

  it('deploys thread isolation: a worker thread of the worker function', async () => {
    const { file: _file, ...source } = project(
      'workflow:\n  name: flow\n  tasks:\n    - id: a\n      isolation: thread\n',
    );
    const [plan] = await readWeftDeployment(source);
    expect(plan?.tasks.a?.isolation).toBe('thread');
  });

  it('deploys process isolation with lambda: (the function is the task own process)', async () => {
    const { file: _file, ...source } = project(
      'workflow:\n  name: flow\n  tasks:\n    - id: a\n      lambda: payments-charge\n      isolation: process\n',
    );
    const [plan] = await readWeftDeployment(source);
    expect(plan?.tasks.a).toMatchObject({ lambda: 'payments-charge', isolation: 'process' });
  });
});
