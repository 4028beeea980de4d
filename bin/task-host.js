// The host of an isolated task attempt (`isolation: thread` or `process`): registers tsx, so that a
// TypeScript handlers module loads in the worker thread or child process as it does in weft itself.
const { register } = await import('tsx/esm/api');
register();
await import('../src/runtime/isolation/task-host.ts');
