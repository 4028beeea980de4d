import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultProjectRoot, functionEntry } from '../../infra/orchestrator/function-code.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

// the installed package's side (dist/functions/*.js, the user's lock file) is test/infra/package.test.ts's
describe('the functions the construct bundles, run from this repository', () => {
  it('are the TypeScript entries in functions/', () => {
    for (const name of ['api', 'worker', 'reaper', 'trigger'] as const) {
      expect(functionEntry(name)).toBe(join(root, 'functions', `${name}.ts`));
      expect(existsSync(functionEntry(name))).toBe(true);
    }
  });

  it("are bundled from the repository's root with its lock file", () => {
    expect(defaultProjectRoot()).toEqual({
      projectRoot: root.replace(/\/$/, ''),
      depsLockFilePath: join(root, 'package-lock.json'),
    });
  });
});
