/**
 * The request's `node_failure` chaos scenario, measured: `node bin/weft.js run` on a fresh state directory
 * runs the command-line tests' `gated` workflow (test/fixtures/cli, the same one the kill -9 test in
 * test/integration/cli/resume.test.ts uses); once its `wait` task is running, the process is killed with
 * SIGKILL and `weft resume` is started at once. Recovery time: the kill to the interrupted task's re-run
 * (its handler starting again), which is what `auto_recovery_time < 30s` bounds.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// the command-line tests' own way of running `node bin/weft.js`, and their fixtures
import { HANDLERS, runArgs, spawnWeft } from '../test/integration/cli/weft-cli.ts';

/** Give up on a step after this long: something is broken, not slow. */
const STEP_LIMIT_MS = 60_000;

export interface NodeFailureFigures {
  /** SIGKILL sent to the interrupted task's handler starting again under `weft resume`, ms. */
  readonly recoveryMs: number;
  /** SIGKILL to the resume process's exit with the run finished, ms. */
  readonly resumeFinishedMs: number;
  /** How the resumed run ended. */
  readonly status: string;
}

/** Resolves when `file` exists, polling every 5 ms; rejects after {@link STEP_LIMIT_MS}. */
async function appears(file: string, what: string): Promise<void> {
  const deadline = performance.now() + STEP_LIMIT_MS;
  while (!existsSync(file)) {
    if (performance.now() > deadline) throw new Error(`node_failure: ${what} did not happen in time`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs the scenario once and returns its figures; the temporary directory is removed. */
export async function measureNodeFailure(): Promise<NodeFailureFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-chaos-'));
  try {
    const stateDir = join(dir, 'state');
    const gate = join(dir, 'gate');
    const started = `${gate}.started`;
    const input = JSON.stringify({ log: join(dir, 'calls.log'), gate });
    process.stderr.write(
      'chaos bench: node_failure, weft run killed with SIGKILL mid-task, then weft resume\n',
    );
    const first = spawnWeft(runArgs('gated.yaml', input, '--state-dir', stateDir, '--run-id', 'chaos'));
    await appears(started, "the first run's wait task starting");
    first.child.kill('SIGKILL');
    const killedAt = performance.now();
    const killed = await first.done;
    if (killed.code !== null)
      throw new Error(`node_failure: weft run ended (${killed.code}) before the kill`);
    await unlink(started);
    await writeFile(gate, 'open');
    const resumed = spawnWeft(['resume', 'chaos', '--handlers', HANDLERS, '--state-dir', stateDir]);
    await appears(started, 'the interrupted task running again');
    const recoveryMs = performance.now() - killedAt;
    const outcome = await resumed.done;
    const resumeFinishedMs = performance.now() - killedAt;
    if (outcome.code !== 0) throw new Error(`node_failure: weft resume failed: ${outcome.stderr.trim()}`);
    const { status } = JSON.parse(outcome.stdout) as { status: string };
    return { recoveryMs, resumeFinishedMs, status };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
