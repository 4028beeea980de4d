/**
 * The chaos test's driver: handlers that act out a case's behaviours and record what they saw, and a loop
 * that runs one case to its end under its adversity (a crash, duplicates, a purge, a racing worker).
 */
import type { FaultPoint, HandleOptions } from '../../../src/runtime/index.ts';
import { type EngineMetrics, noopMetrics } from '../../../src/runtime/metrics.ts';
import type {
  CompensationEvent,
  HandlerRegistry,
  HistoryEvent,
  PlanCatalog,
  Runtime,
  RunView,
  TaskEvent,
} from '../../../src/runtime/types.ts';
import type { Plan } from '../../../src/workflow/plan.ts';
import { type Behaviour, type ChaosCase, FATAL_ITEM, id, type Trace, workflowYaml } from './chaos-model.ts';
import { type Bench, isFinal, plan } from './harness.ts';

class Flaky extends Error {
  override name = 'Flaky';
}

class Broken extends Error {
  override name = 'Broken';
}

const traces = new Map<string, Trace>();

function act(what: Behaviour, calls: number, label: string, fixed = false): void {
  if (what === 'fatal' && !fixed) throw new Broken(`${label} fails for good`);
  if (what === 'transient' && calls === 1) throw new Flaky(`${label} fails once`);
}

/** What a handler call may set off in the middle of an attempt, by run. */
interface Interruptions {
  /** A reaper pass whose clock is 10 minutes ahead (every lease looks expired). */
  readonly reap: () => Promise<unknown>;
  /** A cancel from another process. */
  readonly cancel: () => Promise<unknown>;
  /** The run's deadline message, already due, handled by another process. */
  readonly deadline: () => Promise<unknown>;
}

const interruptions = new Map<string, Interruptions>();

/**
 * A few milliseconds of work, so attempts overlap with the reapers and each other; at the case's chosen
 * handler call, a skewed reaper pass runs in the middle of the attempt, which it takes over (the attempt
 * then ends as a zombie whose writes must be fenced off), and at others a cancel or the run's deadline.
 */
async function midAttempt(trace: Trace, handler: string): Promise<void> {
  trace.calls += 1;
  const interrupt = interruptions.get(trace.runId);
  const zombie = trace.zombies.get(handler);
  if (zombie) {
    // the successor of a taken-over attempt: the zombie's late result lands while this one runs
    trace.zombies.delete(handler);
    zombie();
    await sleep(50);
  }
  if (interrupt && trace.calls === trace.spec.skewAt) {
    await interrupt.reap();
    // taken over: stay until the successor attempt starts (or a while, if none does)
    await new Promise<void>((resolve) => {
      trace.zombies.set(handler, resolve);
      setTimeout(resolve, 300);
    });
  }
  if (interrupt && trace.calls === trace.spec.cancelAt) {
    trace.cancelRequested = true;
    await interrupt.cancel();
  }
  if (interrupt && trace.calls === trace.spec.deadlineAt) {
    trace.deadlinePassed = true;
    await interrupt.deadline();
  }
  await sleep(Math.floor(Math.random() * 3));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The handlers every case uses; they find their case's behaviours by run id. */
export const handlers: HandlerRegistry = {
  run: async (event: TaskEvent) => {
    const trace = traces.get(event.runId);
    if (!trace) throw new Error(`no trace for ${event.runId}`);
    // a map's item is a task of its own: `t3[1]`
    const key = event.index === undefined ? event.taskId : `${event.taskId}[${event.index}]`;
    if (trace.checkpoints.has(key)) {
      trace.violations.push(`${key} ran again after its checkpoint (attempt ${event.attempt})`);
    }
    const calls = (trace.taskCalls.get(key) ?? 0) + 1;
    trace.taskCalls.set(key, calls);
    await midAttempt(trace, `task:${key}`);
    const spec = trace.spec.tasks[Number(event.taskId.slice(1))];
    // a callback task's behaviour is its completions'; its handler only hands the token out
    const fixed = (event.input as { fixed?: boolean } | null)?.fixed === true;
    // a map's items: only one of a fatal map's fails for good, the others succeed (a redrive keeps them)
    const behaviour =
      spec?.behaviour === 'fatal' && event.index !== undefined && event.index !== FATAL_ITEM
        ? 'ok'
        : spec?.behaviour;
    if (spec?.callback === 'none' && behaviour) act(behaviour, calls, key, fixed);
    return { task: event.taskId, deps: Object.keys(event.deps).sort() };
  },
  undo: async (event: CompensationEvent) => {
    const trace = traces.get(event.runId);
    if (!trace) throw new Error(`no trace for ${event.runId}`);
    const key = event.index === undefined ? event.taskId : `${event.taskId}[${event.index}]`;
    const calls = trace.compCalls.get(key) ?? [];
    trace.seq += 1;
    const call = { start: trace.seq, end: Number.POSITIVE_INFINITY };
    calls.push(call);
    trace.compCalls.set(key, calls);
    await midAttempt(trace, `compensation:${key}`);
    if ((event.output as { task?: string } | null)?.task !== event.taskId) {
      trace.violations.push(`${event.taskId}'s compensation got the output ${JSON.stringify(event.output)}`);
    }
    try {
      act(trace.spec.tasks[Number(event.taskId.slice(1))]?.compensation ?? 'ok', calls.length, event.taskId);
    } finally {
      trace.seq += 1;
      call.end = trace.seq;
    }
  },
};

const plans = new Map<string, Plan>();
export const catalog: PlanCatalog = { byName: (name) => plans.get(name), list: () => [...plans.values()] };

/** How a case ended. */
export interface CaseEnd {
  readonly view: RunView;
  readonly history: readonly HistoryEvent[];
  readonly trace: Trace;
  /** Whether the planned crash happened (its fault point was reached). */
  readonly crashed: boolean;
}

/** Runs one case to its end under its adversity; returns the final view, the history and the trace. */
export async function runCase(bench: Bench, name: string, spec: ChaosCase): Promise<CaseEnd> {
  plans.set(name, plan(workflowYaml(name, spec)));
  const runId = `${name}-run`;
  const trace: Trace = {
    spec,
    seq: 0,
    taskCalls: new Map(),
    compCalls: new Map(),
    checkpoints: new Map(),
    violations: [],
    fenced: 0,
    calls: 0,
    cancelRequested: false,
    deadlinePassed: false,
    redriven: false,
    zombies: new Map(),
    completions: new Map(),
    acceptedTokens: new Map(),
    runId,
  };
  const metrics: EngineMetrics = {
    ...noopMetrics,
    casConflict: (kind) => {
      if (kind === 'checkpoint') trace.fenced += 1;
    },
  };
  traces.set(runId, trace);
  let crashed = false;
  const reached = new Map<string, number>();
  const death = new AbortController();
  const crashSite = spec.crash ? id(spec.crash.task % spec.tasks.length) : undefined;
  const observe = (point: FaultPoint, taskId: string | undefined) => {
    if (point === 'afterCheckpoint' && taskId) {
      trace.checkpoints.set(taskId, (trace.checkpoints.get(taskId) ?? 0) + 1);
    }
  };
  const doomed = bench.runtime({
    owner: 'doomed',
    shutdown: death.signal,
    metrics,
    faults: (point, site) => {
      observe(point, site.taskId);
      const crash = spec.crash;
      if (crashed || !crash || point !== crash.point) return;
      // a map's items crash at their map's site too
      if (
        site.taskId !== undefined &&
        site.taskId !== crashSite &&
        !site.taskId.startsWith(`${crashSite}[`)
      ) {
        return;
      }
      const times = (reached.get(point) ?? 0) + 1;
      reached.set(point, times);
      if (times < crash.occurrence) return;
      crashed = true;
      if (!spec.zombie) death.abort(new Error('the process died'));
      throw new Error(`simulated crash ${point} on ${site.taskId ?? 'the run'}`);
    },
  });
  const survivor = (owner: string) =>
    bench.runtime({
      owner,
      isOwnerAlive: (other) => other !== 'doomed' || !crashed,
      faults: (point, site) => observe(point, site.taskId),
      metrics,
    });
  const alpha = survivor('alpha');
  const beta = survivor('beta');
  const skewed = bench.runtime({
    owner: 'skewed',
    now: () => Date.now() + 600_000,
    faults: (point, site) => observe(point, site.taskId),
    metrics,
  });
  interruptions.set(runId, {
    reap: () => skewed.recover(),
    cancel: () => alpha.cancel(runId),
    deadline: () => alpha.handleMessage(JSON.stringify({ runId, kind: 'deadline', deadlineAt: Date.now() })),
  });
  // a sync case's submitter runs the critical path itself, beside the queue the loop below handles; its
  // crash (or the run's) ends its answer with an error, and the run goes on through recovery
  let answering: Promise<unknown> = Promise.resolve();
  const request = { workflow: name, input: { case: name }, runId };
  if (spec.sync) answering = doomed.run(request, { waitMs: 30_000 }).catch(() => undefined);
  else {
    try {
      await doomed.submit(request);
    } catch {
      // the crash after the run was written: the recovery pass dispatches its roots
    }
  }
  let deliveries = 0;
  const handleOnce = async (runtime: Runtime, body: string, options?: HandleOptions): Promise<boolean> => {
    try {
      await runtime.handleMessage(body, options);
      return true;
    } catch {
      return false;
    }
  };
  const handle = async (body: string): Promise<boolean> => {
    const worker = crashed ? alpha : doomed;
    const duplicate = spec.duplicates[deliveries % spec.duplicates.length] === true;
    // the invocation is at its deadline: what the message's task makes ready goes back through the queue
    const squeezed = spec.lambdaDeadlines[deliveries % spec.lambdaDeadlines.length] === true;
    deliveries += 1;
    const results = await Promise.all([
      handleOnce(worker, body, squeezed ? { deadlineAt: Date.now() } : undefined),
      spec.race ? handleOnce(beta, body) : Promise.resolve(true),
    ]);
    if (duplicate) results.push(await handleOnce(crashed ? alpha : doomed, body));
    return results.every(Boolean);
  };
  // someone outside completes each open callback, as the case's behaviours say, duplicates and races included
  const complete = async (view: RunView | undefined): Promise<void> => {
    const open = Object.entries(view?.tasks ?? {}).filter(([, task]) => task.callback !== undefined);
    await Promise.all(
      open.map(async ([taskId, task]) => {
        const token = task.callback?.token ?? '';
        const spec = trace.spec.tasks[Number(taskId.slice(1))];
        const sent = (trace.completions.get(taskId) ?? 0) + 1;
        trace.completions.set(taskId, sent);
        const behaviour = spec?.behaviour ?? 'ok';
        const broken = behaviour === 'fatal' && !trace.redriven;
        const request =
          broken || (behaviour === 'transient' && sent === 1)
            ? { error: { name: broken ? 'Broken' : 'Flaky', message: `${taskId} said no` } }
            : { output: { task: taskId, deps: [] } };
        const send = async (runtime: Runtime): Promise<void> => {
          try {
            const answer = await runtime.completeCallback(token, request);
            if (answer.kind !== 'accepted') return;
            trace.acceptedTokens.set(token, (trace.acceptedTokens.get(token) ?? 0) + 1);
            if (answer.status === 'succeeded') {
              trace.checkpoints.set(taskId, (trace.checkpoints.get(taskId) ?? 0) + 1);
            }
          } catch {
            // the completing process died (a planned crash): the store holds what it wrote
          }
        };
        const duplicate = spec !== undefined && trace.spec.duplicates[sent % 8] === true;
        await Promise.all([send(crashed ? alpha : doomed), spec && trace.spec.race ? send(beta) : undefined]);
        if (duplicate) await send(alpha);
      }),
    );
  };
  // someone looks at the paused run: redrives it once with the fixed input, or rolls it back
  const settlePause = async (view: RunView): Promise<void> => {
    const runtime = crashed ? alpha : doomed;
    try {
      if (spec.pause === 'redrive' && !trace.redriven) {
        const answer = await runtime.redrive(runId, { input: { case: name, fixed: true }, by: 'chaos' });
        // refused while an item of the map to reset still runs: asked again at the next look
        if (answer.kind === 'refused' && answer.code === 'redrive.taskBusy') return;
        trace.redriven = true;
      } else {
        await runtime.rollback(view.runId);
      }
    } catch {
      // the process died after recording it (afterRedrive): the recovery pass goes on from the record
      if (spec.pause === 'redrive') trace.redriven = true;
    }
  };
  let idle = 0;
  let recoveredAfterCrash = false;
  const deadline = Date.now() + 30_000;
  // batches are handled side by side, as by several Lambda instances: the loop does not wait for one
  // batch before receiving the next (at most 4 in flight)
  const inFlight = new Set<Promise<void>>();
  for (;;) {
    const view = await alpha.getRun(runId);
    if (isFinal(view) && view) {
      await Promise.all([...inFlight, answering]);
      return { view, history: (await alpha.history(runId)) ?? [], trace, crashed };
    }
    if (Date.now() > deadline) {
      if (process.env.CHAOS_DUMP) console.log(JSON.stringify(await alpha.history(runId), null, 1));
      throw new Error(`${name} did not finish: ${JSON.stringify(view)}`);
    }
    await complete(view);
    if (view?.status === 'paused') await settlePause(view);
    if (crashed && !recoveredAfterCrash) {
      recoveredAfterCrash = true;
      if (spec.purge) await bench.purge();
      await alpha.recover();
    }
    if (inFlight.size >= 4) await Promise.race(inFlight);
    const messages = await bench.queue.receive(10, 30);
    if (messages.length === 0) {
      idle += 1;
      // nothing to do: the reaper's turn (with no dead owner, it only resends what may have been lost)
      if (idle % 4 === 0) await alpha.recover();
      else await sleep(10);
      continue;
    }
    idle = 0;
    const batch = Promise.all([
      spec.eagerReaper ? alpha.recover() : undefined,
      ...messages.map(async (message) => {
        const handled = await handle(message.body);
        // a crashed delivery comes back at once, as after a dead Lambda's visibility timeout; a message
        // purged meanwhile is gone, which is the point of the purge
        try {
          if (handled) await bench.queue.delete(message.handle);
          else await bench.queue.release(message.handle);
        } catch {
          // MessageNotInflight: purged
        }
      }),
    ]).then(() => undefined);
    inFlight.add(batch);
    void batch.finally(() => inFlight.delete(batch));
  }
}
