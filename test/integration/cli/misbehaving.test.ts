import { describe, expect, it } from 'vitest';
import { FIXTURES, weft, workspace } from './weft-cli.ts';

/** Handlers that would take weft down or hang it without a word: each is reported. */
describe('weft run with handlers that misbehave', () => {
  it("records a handler's process.exit(7) as its attempt failing, and goes on to the end", async () => {
    const { stateDir } = await workspace();
    const ran = await weft([
      'run',
      `${FIXTURES}/one-step.yaml`,
      '--handlers',
      `${FIXTURES}/misbehaving/exits.ts`,
      '--state-dir',
      stateDir,
    ]);
    expect(ran.code, ran.stderr).toBe(2);
    const result = JSON.parse(ran.stdout);
    expect(result.tasks.only.error).toMatchObject({ name: 'ProcessExit' });
    expect(result.tasks.only.error.message).toContain('called process.exit(7)');
  });

  it('stops a handlers module that never finishes loading, with a message: exit 1', async () => {
    const { stateDir } = await workspace();
    const ran = await weft(
      [
        'run',
        `${FIXTURES}/one-step.yaml`,
        '--handlers',
        `${FIXTURES}/misbehaving/hangs.ts`,
        '--state-dir',
        stateDir,
      ],
      { WEFT_HANDLERS_LOAD_TIMEOUT_MS: '500' },
    );
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      `weft: handlers module '${FIXTURES}/misbehaving/hangs.ts' did not finish loading within 0.5 s ` +
        '(a top-level await that never settles?); WEFT_HANDLERS_LOAD_TIMEOUT_MS sets the limit\n',
    );
  });
});
