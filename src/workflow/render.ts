import type { Plan, PlannedTask } from './plan.ts';

/**
 * The short notes under a task's id: attempts, compensation, external Lambda, isolation, sleep, callback,
 * child workflow, map, concurrency, locks, a root's condition.
 */
function notes(task: PlannedTask): string[] {
  const lines: string[] = [];
  if (task.retry.maxAttempts > 1) lines.push(`retries: ${task.retry.maxAttempts} attempts`);
  if (task.compensation !== undefined) lines.push(`compensation: ${task.compensation.handler}`);
  if (task.lambda !== undefined) lines.push(`lambda: ${task.lambda}`);
  if (task.isolation !== undefined) lines.push(`isolation: ${task.isolation}`);
  if (task.sleep !== undefined) {
    lines.push('ms' in task.sleep ? `sleep: ${formatMs(task.sleep.ms)}` : `sleep until: ${task.sleep.until}`);
  }
  if (task.callback !== undefined) lines.push(callbackNote(task.callback));
  if (task.child !== undefined) lines.push(`workflow: ${task.child.workflow}`);
  if (task.map !== undefined) lines.push(mapNote(task.map));
  if (task.concurrency !== undefined) lines.push(concurrencyNote(task.concurrency));
  if (task.locks !== undefined) lines.push(`locks: ${task.locks.join(', ')}`);
  // a condition on a root has no edge to carry it
  if (task.when !== undefined && task.deps.length === 0) lines.push(`when: ${task.when}`);
  return lines;
}

function mapNote(map: NonNullable<PlannedTask['map']>): string {
  const tolerated = 'count' in map.tolerated ? `${map.tolerated.count}` : `${map.tolerated.percent}%`;
  const tolerance = tolerated === '0' ? '' : `, tolerates ${tolerated} failed`;
  return `map: ${map.items} (${map.maxConcurrency} at once${tolerance})`;
}

function concurrencyNote(limit: NonNullable<PlannedTask['concurrency']>): string {
  return `concurrency: ${limit.limit} at once${limit.key === undefined ? '' : ` per ${limit.key}`}`;
}

function callbackNote(callback: NonNullable<PlannedTask['callback']>): string {
  const limits = [
    callback.timeoutMs === undefined ? undefined : `timeout ${formatMs(callback.timeoutMs)}`,
    callback.heartbeatMs === undefined ? undefined : `heartbeat ${formatMs(callback.heartbeatMs)}`,
  ].filter((part) => part !== undefined);
  return `callback${limits.length > 0 ? ` (${limits.join(', ')})` : ''}`;
}

/** A sync workflow's note on a task off its critical path (none on the path, none in an async workflow). */
function modeNote(plan: Plan, task: PlannedTask): string | undefined {
  if (!plan.offPath?.includes(task.id)) return undefined;
  return task.mode === 'async' ? 'mode: async' : 'async (its deps are)';
}

/** The notes of a task in its plan: its own, then its mode. */
function taskNotes(plan: Plan, task: PlannedTask): string[] {
  const mode = modeNote(plan, task);
  return mode === undefined ? notes(task) : [...notes(task), mode];
}

/** A sync workflow's header line: who runs what. */
function syncNote(plan: Plan): string | undefined {
  if (plan.mode !== 'sync') return undefined;
  const off = plan.offPath ?? [];
  return off.length === 0
    ? 'mode: sync (the accepting process runs every task and answers when the run is final)'
    : `mode: sync (the accepting process runs the critical path and answers; ${off.join(', ')} run async after)`;
}

/** An edge's label: the dependent's condition, drawn on each edge into it (dashed). */
function edgeLabel(task: PlannedTask): string | undefined {
  return task.when === undefined ? undefined : `when: ${task.when}`;
}

function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Mermaid text in a quoted label: entity codes for the characters that would end or break it. */
function mermaidText(text: string): string {
  return text.replace(/[&"<>#]/g, (char) => `#${char.charCodeAt(0)};`);
}

/**
 * A Mermaid flowchart of the plan, ready to paste into Markdown. Node ids are generated (`t0`, `t1`, ...)
 * so any task id is safe; labels are quoted. Tasks with retries and with a compensation get classes
 * (bold border, dashed border), tasks with locks a red fill, a sync workflow's tasks off its critical path
 * grey (its mode in a comment line), and all say so in their label; the edges into a task with `when` are
 * dotted and carry the condition.
 *
 * @example
 * renderMermaid(plan); // 'flowchart TD\n  t0["credit_check<br/>retries: 3 attempts"] ...'
 */
export function renderMermaid(plan: Plan): string {
  const tasks = Object.values(plan.tasks);
  const node = new Map(tasks.map((task) => [task.id, `t${task.index}`]));
  const lines = [`%% weft workflow ${plan.name} (version ${plan.version.slice(0, 12)})`];
  if (plan.concurrency)
    lines.push(`%% ${concurrencyNote(plan.concurrency).replace('at once', 'runs at once')}`);
  const sync = syncNote(plan);
  if (sync !== undefined) lines.push(`%% ${sync}`);
  lines.push('flowchart TD');
  for (const task of tasks) {
    const label = [task.id, ...taskNotes(plan, task)].map(mermaidText).join('<br/>');
    lines.push(`  ${node.get(task.id)}["${label}"]`);
  }
  for (const task of tasks) {
    const label = edgeLabel(task);
    for (const dep of task.deps) {
      const arrow = label === undefined ? '-->' : `-.->|"${mermaidText(label)}"|`;
      lines.push(`  ${node.get(dep)} ${arrow} ${node.get(task.id)}`);
    }
  }
  const retried = tasks.filter((task) => task.retry.maxAttempts > 1).map((task) => node.get(task.id));
  const compensated = tasks
    .filter((task) => task.compensation !== undefined)
    .map((task) => node.get(task.id));
  if (retried.length > 0) {
    lines.push('  classDef retried stroke-width:3px', `  class ${retried.join(',')} retried`);
  }
  if (compensated.length > 0) {
    lines.push('  classDef compensated stroke-dasharray:6 3', `  class ${compensated.join(',')} compensated`);
  }
  const locked = tasks.filter((task) => task.locks !== undefined).map((task) => node.get(task.id));
  if (locked.length > 0) lines.push('  classDef locked fill:#fde8e8', `  class ${locked.join(',')} locked`);
  const offPath = (plan.offPath ?? []).map((taskId) => node.get(taskId));
  if (offPath.length > 0)
    lines.push('  classDef async color:#4b5563,stroke:#9ca3af', `  class ${offPath.join(',')} async`);
  return `${lines.join('\n')}\n`;
}

/** A DOT double-quoted string. */
function dotString(text: string): string {
  return `"${text.replace(/["\\]/g, (char) => `\\${char}`).replace(/\n/g, '\\n')}"`;
}

/**
 * A Graphviz DOT digraph of the plan (`dot -Tsvg`). Tasks with retries have a bold border, tasks with a
 * compensation a double border, tasks with locks a red fill, a sync workflow's tasks off its critical
 * path are grey (its mode is the graph's label), and all say so in their label.
 *
 * @example
 * renderDot(plan); // 'digraph "loan_approval" {\n  rankdir=TB; ...'
 */
export function renderDot(plan: Plan): string {
  const tasks = Object.values(plan.tasks);
  const lines = [
    `digraph ${dotString(plan.name)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
  ];
  const sync = syncNote(plan);
  if (sync !== undefined) lines.push(`  label=${dotString(sync)};`, '  labelloc=t;');
  for (const task of tasks) {
    const attributes = [`label=${dotString([task.id, ...taskNotes(plan, task)].join('\n'))}`];
    // off a sync workflow's critical path: grey
    if (modeNote(plan, task) !== undefined) attributes.push('color="#9ca3af"', 'fontcolor="#4b5563"');
    const styles = ['rounded'];
    if (task.retry.maxAttempts > 1) styles.push('bold');
    if (task.compensation !== undefined) attributes.push('peripheries=2');
    if (task.locks !== undefined) {
      styles.push('filled');
      attributes.push('fillcolor="#fde8e8"');
    }
    attributes.push(`style=${dotString(styles.join(','))}`);
    lines.push(`  ${dotString(task.id)} [${attributes.join(', ')}];`);
  }
  for (const task of tasks) {
    const label = edgeLabel(task);
    const attributes = label === undefined ? '' : ` [style=dashed, label=${dotString(label)}]`;
    for (const dep of task.deps) lines.push(`  ${dotString(dep)} -> ${dotString(task.id)}${attributes};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
