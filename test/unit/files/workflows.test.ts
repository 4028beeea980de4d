import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.ts';
import { readPlanDir, readPlanFile } from '../../../src/files/workflows.ts';
import { WorkflowError } from '../../../src/workflow/index.ts';

let root: string;
const flow = (name: string, tasks = '[{id: a}]') => `workflow:\n  name: ${name}\n  tasks: ${tasks}\n`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'weft-workflows-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

describe('readPlanFile', () => {
  it('compiles a file', async () => {
    const dir = await folder('one', { 'a.yaml': flow('alpha') });
    expect((await readPlanFile(join(dir, 'a.yaml'))).name).toBe('alpha');
  });

  it('rejects a missing file with a user error naming it', async () => {
    const missing = join(root, 'nope.yaml');
    await expect(readPlanFile(missing)).rejects.toThrow(UserInputError);
    await expect(readPlanFile(missing)).rejects.toThrow(
      `cannot read workflow file '${missing}': no such file or directory`,
    );
  });
});

describe('readPlanDir', () => {
  it('compiles every workflow file in name order, ignoring others', async () => {
    const dir = await folder('many', {
      'b.yml': flow('beta'),
      'a.yaml': flow('alpha'),
      'c.json': JSON.stringify({ workflow: { name: 'gamma', tasks: [{ id: 'x' }] } }),
      'README.md': '# not a workflow',
    });
    expect((await readPlanDir(dir)).map((plan) => plan.name)).toEqual(['alpha', 'beta', 'gamma']);
  });

  it("reports every file's mistakes at once", async () => {
    const dir = await folder('broken', {
      'a.yaml': flow('alpha', '[{id: a, deps: [zz]}]'),
      'b.yaml': flow('beta', '[]'),
      'c.yaml': flow('fine'),
    });
    const error = await readPlanDir(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowError);
    expect((error as WorkflowError).diagnostics.map((d) => d.file)).toEqual([
      join(dir, 'a.yaml'),
      join(dir, 'b.yaml'),
    ]);
  });

  it('rejects two files with the same workflow name', async () => {
    const dir = await folder('dupes', { 'a.yaml': flow('same'), 'b.yaml': flow('same') });
    await expect(readPlanDir(dir)).rejects.toThrow(
      `${join(dir, 'b.yaml')}:2:3: workflow name 'same' is already used by ${join(dir, 'a.yaml')}; names must be unique`,
    );
  });

  it('rejects a missing folder with a user error', async () => {
    await expect(readPlanDir(join(root, 'absent'))).rejects.toThrow('cannot read the workflows folder');
  });
});
