import type { Plan, PlannedTask } from './plan.ts';

/** The short notes shown under a task's id: attempts, compensation, external Lambda. */
function notes(task: PlannedTask): string[] {
  const lines: string[] = [];
  if (task.retry.maxAttempts > 1) lines.push(`retries: ${task.retry.maxAttempts} attempts`);
  if (task.compensation !== undefined) lines.push(`compensation: ${task.compensation.handler}`);
  if (task.lambda !== undefined) lines.push(`lambda: ${task.lambda}`);
  return lines;
}

/** Mermaid text in a quoted label: entity codes for the characters that would end or break it. */
function mermaidText(text: string): string {
  return text.replace(/[&"<>#]/g, (char) => `#${char.charCodeAt(0)};`);
}

/**
 * A Mermaid flowchart of the plan, ready to paste into Markdown. Node ids are generated (`t0`, `t1`, ...)
 * so any task id is safe; labels are quoted. Tasks with retries and with a compensation get classes
 * (bold border, dashed border) and say so in their label.
 *
 * @example
 * renderMermaid(plan); // 'flowchart TD\n  t0["credit_check<br/>retries: 3 attempts"] ...'
 */
export function renderMermaid(plan: Plan): string {
  const tasks = Object.values(plan.tasks);
  const node = new Map(tasks.map((task) => [task.id, `t${task.index}`]));
  const lines = [`%% weft workflow ${plan.name} (version ${plan.version.slice(0, 12)})`, 'flowchart TD'];
  for (const task of tasks) {
    const label = [task.id, ...notes(task)].map(mermaidText).join('<br/>');
    lines.push(`  ${node.get(task.id)}["${label}"]`);
  }
  for (const task of tasks) {
    for (const dep of task.deps) lines.push(`  ${node.get(dep)} --> ${node.get(task.id)}`);
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
  return `${lines.join('\n')}\n`;
}

/** A DOT double-quoted string. */
function dotString(text: string): string {
  return `"${text.replace(/["\\]/g, (char) => `\\${char}`).replace(/\n/g, '\\n')}"`;
}

/**
 * A Graphviz DOT digraph of the plan (`dot -Tsvg`). Tasks with retries have a bold border, tasks with a
 * compensation a double border, and both say so in their label.
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
  for (const task of tasks) {
    const attributes = [`label=${dotString([task.id, ...notes(task)].join('\n'))}`];
    const styles = ['rounded'];
    if (task.retry.maxAttempts > 1) styles.push('bold');
    if (task.compensation !== undefined) attributes.push('peripheries=2');
    attributes.push(`style=${dotString(styles.join(','))}`);
    lines.push(`  ${dotString(task.id)} [${attributes.join(', ')}];`);
  }
  for (const task of tasks) {
    for (const dep of task.deps) lines.push(`  ${dotString(dep)} -> ${dotString(task.id)};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
