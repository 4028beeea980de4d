// The package as a team installs it: `npm pack`, the tarball installed into a fresh project outside the
// repository (its own workflow, TypeScript handlers and CDK app, from test/fixtures/package/), and there
// `npx weft run`, the programmatic API from plain JavaScript, tsc against the declarations and `cdk synth`.
// The install needs the npm registry; it takes the versions this repository has installed, so the local
// npm cache (filled by `npm ci`) answers most of it.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = join(root, 'test/fixtures/package');
const SETUP_TIMEOUT_MS = 240_000;

/** The project's own tools at the versions installed here (the CLI of aws-cdk matches aws-cdk-lib's). */
const TOOLS = ['aws-cdk-lib', 'aws-cdk', 'constructs', 'esbuild', 'typescript', 'zod', '@types/node'];

function installedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  return `${name}@${manifest.version}`;
}

/** The environment of a fresh shell: no npm_* variables of the `npm test` running this, this Node first. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return {
    ...env,
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    INIT_CWD: '',
  };
}

let project = '';
let tarballDir = '';

function inProject(command: string, args: string[]) {
  return exec(command, args, { cwd: project, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
}

/** Resolves to the command's exit status and output whether it succeeds or not. */
function outcome(command: string, args: string[]) {
  return inProject(command, args).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

/** `npx weft run` of the fixture's workflow with its TypeScript handlers. */
function weftRun(input: string, handlers = 'handlers.ts') {
  return outcome('npx', ['weft', 'run', 'workflows/order.yaml', '--handlers', handlers, '--input', input]);
}

beforeAll(async () => {
  tarballDir = mkdtempSync(join(tmpdir(), 'weft-pack-'));
  project = mkdtempSync(join(tmpdir(), 'weft-user-project-'));
  // prepack builds dist/ first
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', tarballDir], {
    cwd: root,
    env: cleanEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
  cpSync(fixture, project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'weft-user-project', private: true, type: 'module' }, null, 2)}\n`,
  );
  await inProject('npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    join(tarballDir, packed?.filename ?? 'missing.tgz'),
    ...TOOLS.map(installedVersion),
  ]);
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  for (const dir of [project, tarballDir]) if (dir !== '') rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('weft-run installed from its tarball into a fresh project', () => {
  it('ships the built JavaScript, not the TypeScript sources', () => {
    const installed = join(project, 'node_modules/weft-run');
    expect(readdirSync(installed).sort()).toEqual(
      ['LICENSE', 'README.md', 'SECURITY.md', 'bin', 'dist', 'docs', 'package.json'].sort(),
    );
    expect(readdirSync(join(installed, 'dist/functions'))).toContain('worker.js');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest).not.toHaveProperty('private');
    expect(manifest.dependencies).not.toHaveProperty('aws-cdk-lib');
    expect(manifest.peerDependenciesMeta['aws-cdk-lib']).toEqual({ optional: true });
  });

  it('runs a workflow with TypeScript typed handlers: npx weft run', async () => {
    const { code, stdout, stderr } = await weftRun('{"sku":"A1","quantity":2}');
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      status: 'succeeded',
      tasks: { charge: { status: 'succeeded', output: { charged: 10, for: 'A1x2' } } },
    });
  });

  it("fails a run whose input does not match a typed handler's schema, at the first attempt: exit 2", async () => {
    const failed = await weftRun('{"sku":"A1","quantity":"two"}');
    expect(failed.code).toBe(2);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      status: 'failed',
      error: { taskId: 'reserve', name: 'HandlerValidationError' },
      tasks: { reserve: { attempts: 1 } },
    });
  });

  it('refuses a handlers module that loads as CommonJS, naming the fix: exit 1', async () => {
    // a project whose package.json is not "type": "module" (npm init's default)
    const cjs = join(project, 'commonjs');
    mkdirSync(cjs);
    writeFileSync(join(cjs, 'package.json'), '{ "name": "commonjs-user" }\n');
    writeFileSync(join(cjs, 'handlers.ts'), readFileSync(join(project, 'handlers.ts')));
    const refused = await weftRun('{"sku":"A1","quantity":2}', 'commonjs/handlers.ts');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('add "type": "module" to your package.json');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs the programmatic API from a plain .mjs script', async () => {
    const { stdout } = await inProject(process.execPath, ['api.mjs']);
    expect(JSON.parse(stdout)).toEqual({ status: 'succeeded', charge: { charged: 15 } });
  });

  it("type-checks a file using the package's types: tsc --noEmit", async () => {
    const checked = await outcome('npx', ['tsc', '--noEmit', '-p', '.']);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  });

  it('refuses to synthesize with a handler missing, at the task that names it: exit 1, no stack trace', async () => {
    writeFileSync(join(project, 'partial.ts'), 'export const reserve = () => ({ reservation: "r" });\n');
    const app = readFileSync(join(project, 'app.ts'), 'utf8').replace("'handlers.ts'", "'partial.ts'");
    writeFileSync(join(project, 'app-partial.ts'), app);
    const refused = await outcome('npx', ['tsx', 'app-partial.ts']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "workflows/order.yaml:6:21: missing handler 'release': export it from 'partial.ts'",
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  it('synthesizes a CDK app using weft-run/cdk, the worker bundling the handlers: cdk synth', async () => {
    await inProject('npx', ['cdk', 'synth', '--no-notices', '--quiet']);
    const out = join(project, 'cdk.out');
    const template = JSON.parse(readFileSync(join(out, 'Orders.template.json'), 'utf8'));
    const functions = Object.values(template.Resources as Record<string, { Type: string }>).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    );
    expect(functions.length).toBeGreaterThanOrEqual(4);
    const bundles = readdirSync(out)
      .map((name) => join(out, name, 'index.mjs'))
      .filter((bundle) => existsSync(bundle));
    // the worker's bundle holds the user's handlers (aliased as weft-handlers), the others do not
    const workers = bundles.filter((bundle) => readFileSync(bundle, 'utf8').includes('charged'));
    expect(workers).toHaveLength(1);
    // and loads as Lambda loads it, with the function's environment and its plans.json beside it
    const loaded = await exec(
      process.execPath,
      ['--input-type=module', '-e', 'const m = await import("./index.mjs"); console.log(typeof m.handler);'],
      {
        cwd: dirname(workers[0] ?? ''),
        env: { ...cleanEnv(), TABLE_NAME: 't', QUEUE_URL: 'https://sqs.invalid/q', AWS_REGION: 'us-east-1' },
      },
    );
    expect(loaded.stdout.trim()).toBe('function');
  });
});
