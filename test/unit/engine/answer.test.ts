import { describe, expect, it } from 'vitest';
import { decideEarlyAnswer } from '../../../src/engine/answer.ts';
import { answeredPart, decideRollback } from '../../../src/engine/saga.ts';
import type { TaskStatus } from '../../../src/runtime/types.ts';
import { loadPlan } from '../../../src/workflow/index.ts';
import { byId, run, task } from './records.ts';

const order = loadPlan(
  `workflow:
  name: order
  mode: sync
  tasks:
    - id: pay
      compensation: refund
    - id: ship
      deps: [pay]
      compensation: unship
    - id: email
      deps: [pay]
      mode: async
      compensation: unsend
    - id: survey
      deps: [email]
    - id: close
      deps: [ship, survey]
`,
  'order.yaml',
);

const statuses =
  (values: Record<string, TaskStatus>) =>
  (taskId: string): TaskStatus | undefined =>
    values[taskId];

describe('the critical path of a sync workflow', () => {
  it('is every task but the async ones and what depends only on them', () => {
    // close waits for survey through its other dep: it is on the path, and so the answer waits for survey
    expect(order.offPath).toEqual(['email', 'survey']);
    expect(order.mode).toBe('sync');
  });
});

describe('decideEarlyAnswer', () => {
  const async = loadPlan(
    `workflow:
  name: signup
  mode: sync
  tasks:
    - id: create
    - id: welcome
      deps: [create]
      mode: async
    - id: index
      deps: [welcome]
`,
    'signup.yaml',
  );

  it('answers once the critical path succeeded or was skipped, naming what still runs', () => {
    expect(
      decideEarlyAnswer(async, 'running', statuses({ create: 'succeeded', welcome: 'running' })),
    ).toEqual({ pending: ['welcome', 'index'] });
    expect(
      decideEarlyAnswer(async, 'running', statuses({ create: 'skipped', welcome: 'succeeded' })),
    ).toEqual({
      pending: ['index'],
    });
  });

  it('waits while the critical path runs, once the run stops, and when nothing is left running', () => {
    expect(decideEarlyAnswer(async, 'running', statuses({ create: 'running' }))).toBeUndefined();
    expect(decideEarlyAnswer(async, 'compensating', statuses({ create: 'succeeded' }))).toBeUndefined();
    expect(
      decideEarlyAnswer(
        async,
        'running',
        statuses({ create: 'succeeded', welcome: 'succeeded', index: 'succeeded' }),
      ),
    ).toBeUndefined();
  });

  it('never answers an async workflow early', () => {
    const plain = loadPlan(
      'workflow:\n  name: plain\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n',
      'p.yaml',
    );
    expect(decideEarlyAnswer(plain, 'running', statuses({ a: 'succeeded' }))).toBeUndefined();
  });
});

describe('the Saga of a run answered early', () => {
  it('compensates only what still ran at the answer; the answered part stays', () => {
    const answered = run({ answered: { at: 1, pending: ['email', 'survey', 'close'] } });
    const kept = answeredPart(order, answered);
    expect([...kept]).toEqual(['pay', 'ship']);
    const step = decideRollback(
      order,
      byId(
        task('pay', { status: 'succeeded' }),
        task('ship', { status: 'succeeded' }),
        task('email', { status: 'succeeded' }),
        task('survey', { status: 'failed' }),
      ),
      kept,
    );
    expect(step.compensate).toEqual(['email']);
    expect(step.skip).toEqual(['close']);
  });

  it('compensates everything that succeeded when the run was not answered early', () => {
    expect([...answeredPart(order, run())]).toEqual([]);
    const step = decideRollback(
      order,
      byId(
        task('pay', { status: 'succeeded' }),
        task('ship', { status: 'failed' }),
        task('email', { status: 'succeeded' }),
        task('survey', { status: 'skipped' }),
        task('close', { status: 'skipped' }),
      ),
    );
    expect(step.compensate).toEqual(['email']);
  });
});
