// The host of an isolated task attempt (`isolation: thread` or `process`): registers tsx, so that a
// TypeScript handlers module loads in the worker thread or child process as it does in weft itself; then
// runs the host from the sources in this repository, or from dist/ in the installed package.
import { existsSync } from 'node:fs';

const { register } = await import('tsx/esm/api');
register();
const source = new URL('../src/runtime/isolation/task-host.ts', import.meta.url);
await import(existsSync(source) ? source.href : '../dist/src/runtime/isolation/task-host.js');
