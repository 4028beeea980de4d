/**
 * Where this process's CPU time goes while a scenario runs, from V8's sampling profiler (the inspector
 * protocol, in process): each sample's time is given to the nearest frame on its stack that belongs to a
 * known part (the DynamoDB emulator, the SQS emulator, the AWS SDK clients, weft's own code); samples with
 * only Node's internals on the stack (HTTP parsing, sockets, timers: client and server alike) stay "node".
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** The parts CPU time is split into. */
export type Part =
  | 'dynamodb emulator (dynalite)'
  | 'sqs emulator (fauxqs)'
  | 'aws sdk clients'
  | 'weft engine + bench'
  | 'node internals (http, net, timers)'
  | 'garbage collector'
  | 'idle'
  | 'other';

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly url: string; readonly functionName: string; readonly lineNumber?: number };
  readonly children?: readonly number[];
}

/** A V8 CPU profile (`.cpuprofile`), the parts read here. */
export interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

const NODE_MODULES = join(import.meta.dirname, '..', 'node_modules');

/** The package a file URL belongs to (`@scope/name` or `name`), if it is under node_modules. */
function packageOf(url: string): string | undefined {
  const at = url.lastIndexOf('/node_modules/');
  if (at === -1) return undefined;
  const parts = url.slice(at + '/node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** `root` and every package it depends on, transitively (flat node_modules, as npm installs them). */
function dependencyClosure(root: string): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    try {
      const manifest = JSON.parse(readFileSync(join(NODE_MODULES, name, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep);
    } catch {
      // an optional dependency not installed
    }
  };
  visit(root);
  return seen;
}

/** Classifies files by part; the SDK's closure wins over the emulators' (fauxqs depends on SDK packages). */
function classifier(): (url: string) => Part | undefined {
  const sdk = new Set([
    ...dependencyClosure('@aws-sdk/client-dynamodb'),
    ...dependencyClosure('@aws-sdk/lib-dynamodb'),
    ...dependencyClosure('@aws-sdk/client-sqs'),
  ]);
  const dynalite = dependencyClosure('dynalite');
  const fauxqs = dependencyClosure('fauxqs');
  const weftRoot = join(import.meta.dirname, '..');
  return (url) => {
    const name = packageOf(url);
    if (name !== undefined) {
      if (sdk.has(name)) return 'aws sdk clients';
      if (dynalite.has(name)) return 'dynamodb emulator (dynalite)';
      if (fauxqs.has(name)) return 'sqs emulator (fauxqs)';
      return undefined;
    }
    // the profiler's own start-up is not the scenario's work
    if (url.endsWith('/bench/cpu-split.ts')) return 'other';
    if (url.includes(`${weftRoot}/src/`) || url.includes(`${weftRoot}/bench/`)) return 'weft engine + bench';
    return undefined;
  };
}

/** Milliseconds of CPU per part in `profile`. */
export function splitProfile(profile: Profile): Record<Part, number> {
  const classify = classifier();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const partOf = new Map<number, Part>();
  const resolve = (id: number): Part => {
    const cached = partOf.get(id);
    if (cached) return cached;
    const node = byId.get(id);
    const fn = node?.callFrame.functionName ?? '';
    let part: Part | undefined;
    if (fn === '(garbage collector)') part = 'garbage collector';
    else if (fn === '(idle)') part = 'idle';
    else if (fn === '(program)') part = 'other';
    else part = classify(node?.callFrame.url ?? '');
    if (part === undefined) {
      const up = parent.get(id);
      const isNode = (node?.callFrame.url ?? '').startsWith('node:') || node?.callFrame.url === '';
      part = up !== undefined ? resolve(up) : isNode ? 'node internals (http, net, timers)' : 'other';
      if (part === 'other' && isNode) part = 'node internals (http, net, timers)';
    }
    partOf.set(id, part);
    return part;
  };
  const totals: Record<Part, number> = {
    'dynamodb emulator (dynalite)': 0,
    'sqs emulator (fauxqs)': 0,
    'aws sdk clients': 0,
    'weft engine + bench': 0,
    'node internals (http, net, timers)': 0,
    'garbage collector': 0,
    idle: 0,
    other: 0,
  };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i];
    if (id !== undefined) totals[resolve(id)] += (deltas[i] ?? 0) / 1000;
  }
  return totals;
}

/** Profiles the main thread until the returned function is called, which resolves to the profile. */
export async function startCpuProfile(): Promise<() => Promise<Profile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    session.disconnect();
    return profile;
  };
}

/** Profiles the main thread until the returned function is called, which resolves to the split. */
export async function startCpuSplit(): Promise<() => Promise<Record<Part, number>>> {
  const stop = await startCpuProfile();
  return async () => splitProfile(await stop());
}
