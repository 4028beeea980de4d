import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LocalStack, openLocalStack, startLocalStack } from '../../../src/local/stack.ts';
import type { HandlerRegistry, RunView, TaskEvent } from '../../../src/runtime/types.ts';
import { loadPlan } from '../../../src/workflow/index.ts';

const plan = loadPlan(
  `workflow:
  name: pair
  tasks:
    - id: first
    - id: second
      deps: [first]
`,
  'pair.yaml',
);

const handlers: HandlerRegistry = {
  first: () => ({ n: 1 }),
  second: (event: TaskEvent) => ({ n: 2, from: event.deps.first ?? null }),
};

async function finished(stack: LocalStack, runId: string): Promise<RunView> {
  for (;;) {
    const view = await stack.runtime.getRun(runId);
    if (view?.status === 'succeeded' || view?.status === 'failed') return view;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the local stack', () => {
  it('runs a workflow on loopback emulators and keeps it in the state dir across restarts', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'weft-stack-'));
    const stack = await startLocalStack({ stateDir, plans: [plan], handlers, recoveryIntervalMs: 500 });
    expect(stack.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.sqsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse(await readFile(join(stateDir, 'stack.json'), 'utf8'))).toMatchObject({
      pid: process.pid,
      dynamodbEndpoint: stack.dynamodbEndpoint,
      queueUrl: stack.queueUrl,
    });
    const { runId } = await stack.runtime.submit({ workflow: 'pair', input: {} });
    const view = await finished(stack, runId);
    expect(view.tasks.second).toMatchObject({ status: 'succeeded', output: { n: 2, from: { n: 1 } } });
    await stack.close();
    expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);

    const reopened = await startLocalStack({ stateDir, plans: [plan], handlers });
    try {
      expect((await reopened.runtime.getRun(runId))?.status).toBe('succeeded');
    } finally {
      await reopened.close();
    }
  });

  it('lets a second opener connect to the live stack instead of opening the database', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'weft-stack-'));
    const stack = await startLocalStack({ stateDir, plans: [plan], handlers });
    try {
      const { runId } = await stack.runtime.submit({ workflow: 'pair', input: { who: 'host' } });
      await finished(stack, runId);
      await expect(startLocalStack({ stateDir, plans: [plan], handlers })).rejects.toThrow(
        `state dir '${stateDir}' is open in process ${process.pid}`,
      );
      const guest = await openLocalStack({ stateDir, plans: [], handlers: {}, worker: false });
      try {
        expect(guest).toMatchObject({ attached: true, hostPid: process.pid });
        expect(guest.dynamodbEndpoint).toBe(stack.dynamodbEndpoint);
        expect((await guest.runtime.getRun(runId))?.input).toEqual({ who: 'host' });
      } finally {
        await guest.close();
      }
      expect(existsSync(join(stateDir, 'stack.json'))).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('replaces the record of a stack that no longer answers although its pid lives on', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'weft-stack-'));
    await mkdir(stateDir, { recursive: true });
    const gone = { dynamodbEndpoint: 'http://127.0.0.1:9', sqsEndpoint: 'http://127.0.0.1:9' };
    await writeFile(
      join(stateDir, 'stack.json'),
      JSON.stringify({ pid: process.pid, ...gone, tableName: 'weft', queueUrl: 'http://127.0.0.1:9/q' }),
    );
    const stack = await openLocalStack({ stateDir, plans: [plan], handlers, worker: false });
    try {
      expect(stack.attached).toBe(false);
      expect(stack.dynamodbEndpoint).not.toBe(gone.dynamodbEndpoint);
    } finally {
      await stack.close();
    }
  });
});
