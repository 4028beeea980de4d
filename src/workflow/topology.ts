/**
 * Graph algorithms on tasks numbered by file position: Kahn's topological sort with file-order ties,
 * levels, the critical path, and the cycles left over when the sort cannot finish.
 */

/** A dependency graph: for each task (by file index), the indices of its deps and of its dependents. */
export interface IndexedGraph {
  readonly deps: readonly (readonly number[])[];
  readonly dependents: readonly (readonly number[])[];
}

/** Builds the dependents lists (ascending, hence file order) from the deps lists. */
export function indexGraph(deps: readonly (readonly number[])[]): IndexedGraph {
  const dependents: number[][] = deps.map(() => []);
  deps.forEach((list, task) => {
    for (const dep of list) dependents[dep]?.push(task);
  });
  return { deps, dependents };
}

/**
 * Kahn's algorithm; among ready tasks the earliest in the file goes first, so the order is a function of
 * the file alone. Tasks on or behind a cycle are left out of `order` and listed in `blocked`.
 */
export function topologicalOrder(graph: IndexedGraph): { order: number[]; blocked: number[] } {
  const pending = graph.deps.map((list) => list.length);
  const ready = new MinHeap();
  pending.forEach((count, task) => {
    if (count === 0) ready.push(task);
  });
  const order: number[] = [];
  while (ready.size > 0) {
    const task = ready.pop();
    order.push(task);
    for (const dependent of graph.dependents[task] ?? []) {
      const left = (pending[dependent] ?? 0) - 1;
      pending[dependent] = left;
      if (left === 0) ready.push(dependent);
    }
  }
  const blocked = pending.flatMap((count, task) => (count > 0 ? [task] : []));
  return { order, blocked };
}

/** Each task's level: 0 for roots, else one more than its deepest dependency. `order` must be topological. */
export function computeLevels(graph: IndexedGraph, order: readonly number[]): number[] {
  const levels = graph.deps.map(() => 0);
  for (const task of order) {
    let level = 0;
    for (const dep of graph.deps[task] ?? []) level = Math.max(level, (levels[dep] ?? 0) + 1);
    levels[task] = level;
  }
  return levels;
}

/**
 * The longest dependency chain, root first: from the deepest task (earliest in the file on ties), back
 * through the first dependency one level up.
 */
export function criticalPath(graph: IndexedGraph, levels: readonly number[]): number[] {
  let end = 0;
  levels.forEach((level, task) => {
    if (level > (levels[end] ?? 0)) end = task;
  });
  if (levels.length === 0) return [];
  const path = [end];
  let current = end;
  while ((levels[current] ?? 0) > 0) {
    const wanted = (levels[current] ?? 0) - 1;
    const previous = (graph.deps[current] ?? []).find((dep) => levels[dep] === wanted);
    if (previous === undefined) break;
    path.push(previous);
    current = previous;
  }
  return path.reverse();
}

/**
 * One cycle per strongly connected component among `blocked` tasks, each as a path in dependency
 * direction (`a, b, c` means b depends on a, c on b and a on c), starting at the component's earliest
 * task and as short as possible through it.
 */
export function findCycles(graph: IndexedGraph, blocked: readonly number[]): number[][] {
  const inBlocked = new Set(blocked);
  const components = stronglyConnected(graph, blocked, inBlocked).filter((component) => component.length > 1);
  return components
    .map((component) => shortestCycleThrough(graph, Math.min(...component), new Set(component)))
    .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
}

function shortestCycleThrough(graph: IndexedGraph, start: number, members: ReadonlySet<number>): number[] {
  const parent = new Map<number, number>([[start, start]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const task = queue[head] ?? start;
    for (const next of graph.dependents[task] ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [task];
        while (path[path.length - 1] !== start)
          path.push(parent.get(path[path.length - 1] ?? start) ?? start);
        return path.reverse();
      }
      if (!parent.has(next)) {
        parent.set(next, task);
        queue.push(next);
      }
    }
  }
  return [start];
}

/** Tarjan's algorithm, iterative (deep chains must not overflow the stack), over dependents edges. */
function stronglyConnected(
  graph: IndexedGraph,
  nodes: readonly number[],
  allowed: ReadonlySet<number>,
): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: number; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame === undefined) break;
      const edges = graph.dependents[frame.node] ?? [];
      if (frame.next < edges.length) {
        const next = edges[frame.next++] ?? 0;
        if (!allowed.has(next)) continue;
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          work.push({ node: next, next: 0 });
        } else if (onStack.has(next)) {
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(next) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined)
        low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: number[] = [];
        let member: number | undefined;
        do {
          member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** A binary min-heap of task indices. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] ?? 0) <= value) break;
      items[i] = items[parent] ?? 0;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0] ?? 0;
    const last = items.pop() ?? 0;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && (items[right] ?? 0) < (items[left] ?? 0) ? right : left;
        if ((items[child] ?? 0) >= last) break;
        items[i] = items[child] ?? 0;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}
