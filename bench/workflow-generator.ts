/**
 * Generated workflows for the compile benchmark: `size` tasks, each depending on up to 3 distinct tasks
 * among the 100 before it (chosen by a seeded generator, so every run measures the same files), with a
 * retry policy, a timeout or a compensation sprinkled in as real files have.
 */

/** A small, seeded pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface GeneratedTask {
  id: string;
  deps: string[];
  retry_policy?: { max_attempts: number; backoff: string };
  timeout?: string;
  compensation?: string;
}

function generateTasks(size: number): GeneratedTask[] {
  const next = random(size);
  const id = (i: number) => `task_${String(i).padStart(5, '0')}`;
  return Array.from({ length: size }, (_, i) => {
    const deps = new Set<number>();
    const wanted = Math.min(i, 3);
    while (deps.size < wanted) deps.add(i - 1 - Math.floor(next() * Math.min(i, 100)));
    const task: GeneratedTask = { id: id(i), deps: [...deps].sort((a, b) => a - b).map(id) };
    if (i % 10 === 0) task.retry_policy = { max_attempts: 3, backoff: '1s' };
    if (i % 5 === 0) task.timeout = '30s';
    if (i % 7 === 0) task.compensation = `undo_${id(i)}`;
    return task;
  });
}

/** The workflow as YAML, written the way people write it (block style, flow lists for deps). */
export function generateYaml(size: number): string {
  const lines = ['workflow:', `  name: bench_${size}`, '  tasks:'];
  for (const task of generateTasks(size)) {
    lines.push(`    - id: ${task.id}`, `      deps: [${task.deps.join(', ')}]`);
    if (task.retry_policy !== undefined) {
      lines.push(
        `      retry_policy: {max_attempts: ${task.retry_policy.max_attempts}, backoff: ${task.retry_policy.backoff}}`,
      );
    }
    if (task.timeout !== undefined) lines.push(`      timeout: ${task.timeout}`);
    if (task.compensation !== undefined) lines.push(`      compensation: ${task.compensation}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The same workflow as JSON. */
export function generateJson(size: number): string {
  return JSON.stringify({ workflow: { name: `bench_${size}`, tasks: generateTasks(size) } }, null, 1);
}
