/**
 * Where a CPU profile's time went, as tables: functions by self time (a native function, such as a
 * `node:sqlite` statement's `run`, named with the JavaScript function that called it), and files by
 * inclusive time (a sample counts once for each file on its stack, so a file's figure includes what it
 * called: `src/store/sqlite-run-store.ts` includes SQLite's own work in its statements).
 */
import { join } from 'node:path';
import type { Profile, ProfileNode } from './cpu-split.ts';

export interface TimeShare {
  readonly name: string;
  readonly ms: number;
  /** Of the profiled time that was not idle. */
  readonly share: number;
}

const ROOT = `${join(import.meta.dirname, '..')}/`;
/** V8's pseudo-frames: they are what they say, whoever is below them. */
const PSEUDO = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** `src/store/x.ts`, `node_modules/pkg/...` -> `pkg/...`, `node:internal/...`. */
function shortUrl(url: string): string {
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  const at = path.lastIndexOf('/node_modules/');
  if (at !== -1) return path.slice(at + '/node_modules/'.length);
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  // tsx's transform puts many functions on line 1: a line number there tells nothing
  const line = (lineNumber ?? 0) > 0 ? `:${(lineNumber ?? 0) + 1}` : '';
  return `${functionName || '(anonymous)'} ${shortUrl(url)}${line}`;
}

/** The top `limit` functions by self time and files by inclusive time. */
export function topOfProfile(
  profile: Profile,
  limit: number,
): { readonly functions: TimeShare[]; readonly files: TimeShare[]; readonly profiledMs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node);
  }
  const nameOf = (node: ProfileNode): string => {
    const fn = node.callFrame.functionName;
    if (PSEUDO.has(fn)) return fn;
    if (node.callFrame.url !== '') return frameName(node);
    let caller = parent.get(node.id);
    while (caller && caller.callFrame.url === '' && !PSEUDO.has(caller.callFrame.functionName)) {
      caller = parent.get(caller.id);
    }
    return `${fn || '(native)'} [native] <- ${caller ? frameName(caller) : '?'}`;
  };
  const filesOf = new Map<number, ReadonlySet<string>>();
  const stackFiles = (id: number): ReadonlySet<string> => {
    const cached = filesOf.get(id);
    if (cached) return cached;
    const node = byId.get(id);
    const up = parent.get(id);
    const files = new Set(up ? stackFiles(up.id) : []);
    if (node && node.callFrame.url !== '') files.add(shortUrl(node.callFrame.url));
    filesOf.set(id, files);
    return files;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let profiledMs = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) {
    const node = byId.get(samples[i] ?? -1);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const ms = (deltas[i] ?? 0) / 1000;
    profiledMs += ms;
    const name = nameOf(node);
    self.set(name, (self.get(name) ?? 0) + ms);
    for (const file of stackFiles(node.id)) inclusive.set(file, (inclusive.get(file) ?? 0) + ms);
  }
  const top = (times: Map<string, number>) =>
    [...times]
      .sort(([, a], [, b]) => b - a)
      .slice(0, limit)
      .map(([name, ms]) => ({ name, ms, share: profiledMs > 0 ? ms / profiledMs : 0 }));
  return { functions: top(self), files: top(inclusive), profiledMs };
}
