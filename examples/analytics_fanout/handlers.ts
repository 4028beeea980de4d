/**
 * Handlers of the analytics_fanout example: offline and deterministic (events come from a seeded generator,
 * not a warehouse). `cohort_similarity` is CPU-bound on purpose (every pair of users' activity vectors): its
 * task has `isolation: thread`, so it runs in a worker thread and weft's process stays responsive. Its
 * output is the same as it would be in process; only where it runs changes.
 */
import { isMainThread } from 'node:worker_threads';
import type { TaskContext, TaskEvent } from '../../src/runtime/types.ts';

interface AnalyticsInput {
  readonly day: string;
  readonly users: number;
  readonly events_per_user: number;
  readonly seed: number;
}

const STEPS = ['visit', 'search', 'view', 'cart', 'checkout'] as const;
const HOURS = 24;

/** A small deterministic PRNG (mulberry32): the same seed gives the same day of events. */
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

/** Per user: how far they went in the funnel, and their events per hour (a 24-long activity vector). */
interface UserDay {
  readonly user: string;
  readonly deepest: number;
  readonly hours: number[];
}

/** Loads the day's events, summarised per user (a real one would read a warehouse partition). */
export function load_events(event: TaskEvent): { day: string; users: UserDay[] } {
  const input = event.input as unknown as AnalyticsInput;
  const next = random(input.seed);
  const users: UserDay[] = [];
  for (let u = 0; u < input.users; u += 1) {
    const hours = new Array<number>(HOURS).fill(0);
    const peak = Math.floor(next() * HOURS);
    for (let e = 0; e < input.events_per_user; e += 1) {
      const hour = (peak + Math.floor((next() - 0.5) * 8) + HOURS) % HOURS;
      hours[hour] = (hours[hour] ?? 0) + 1;
    }
    users.push({ user: `u${u}`, deepest: Math.floor(next() ** 1.6 * STEPS.length), hours });
  }
  return { day: input.day, users };
}

function usersOf(event: TaskEvent): UserDay[] {
  return (event.deps.load_events as unknown as { users: UserDay[] }).users;
}

/** Sessions per user: runs of active hours. Cheap, in weft's process. */
export function sessionize(event: TaskEvent): { sessions: number; per_user: number } {
  let sessions = 0;
  const users = usersOf(event);
  for (const { hours } of users) {
    hours.forEach((count, hour) => {
      if (count > 0 && (hours[(hour + HOURS - 1) % HOURS] ?? 0) === 0) sessions += 1;
    });
  }
  return { sessions, per_user: Math.round((sessions / Math.max(1, users.length)) * 100) / 100 };
}

/** How many users reached each step of the funnel. Cheap, in weft's process. */
export function funnel(event: TaskEvent): Record<string, number> {
  const reached: Record<string, number> = {};
  for (const step of STEPS) reached[step] = 0;
  for (const { deepest } of usersOf(event)) {
    for (let s = 0; s <= deepest; s += 1)
      reached[STEPS[s] as string] = (reached[STEPS[s] as string] ?? 0) + 1;
  }
  return reached;
}

/**
 * How alike every pair of users' days are: the cosine similarity of their hourly activity at 8 time scales
 * (the counts smoothed over 1 to 8 hours), averaged: O(users² × scales × hours) arithmetic, a second or
 * more for 1,200 users. In a worker thread (isolation: thread) it heartbeats every 100 rows without holding
 * up weft; past its timeout weft ends the thread (in process, the signal check stops it instead).
 */
export async function cohort_similarity(
  event: TaskEvent,
  ctx: TaskContext,
): Promise<{ pairs: number; alike_pairs: number; mean_similarity: number; ran_in: string }> {
  const users = usersOf(event);
  // per scale, per user: the smoothed vector divided by its norm, so a dot product is the cosine
  const scaled = SCALES.map((scale) => users.map(({ hours }) => unit(smooth(hours, scale))));
  let pairs = 0;
  let alike = 0;
  let total = 0;
  for (let i = 0; i < users.length; i += 1) {
    if (i % 100 === 0) await ctx.heartbeat();
    if (ctx.signal.aborted) throw ctx.signal.reason;
    for (let j = i + 1; j < users.length; j += 1) {
      let similarity = 0;
      for (const vectors of scaled) similarity += dot(vectors[i] ?? [], vectors[j] ?? []);
      similarity /= SCALES.length;
      pairs += 1;
      total += similarity;
      if (similarity > 0.9) alike += 1;
    }
  }
  return {
    pairs,
    alike_pairs: alike,
    mean_similarity: Math.round((total / Math.max(1, pairs)) * 1000) / 1000,
    ran_in: isMainThread ? "weft's main thread" : 'a worker thread',
  };
}

const SCALES = [1, 2, 3, 4, 5, 6, 7, 8];

/** The counts averaged over a window of `scale` hours (wrapping around midnight). */
function smooth(hours: readonly number[], scale: number): number[] {
  return hours.map((_, hour) => {
    let sum = 0;
    for (let k = 0; k < scale; k += 1) sum += hours[(hour + k) % HOURS] ?? 0;
    return sum / scale;
  });
}

function unit(vector: number[]): number[] {
  const norm = Math.sqrt(dot(vector, vector)) || 1;
  return vector.map((x) => x / norm);
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let h = 0; h < HOURS; h += 1) sum += (a[h] ?? 0) * (b[h] ?? 0);
  return sum;
}

/** The day's report, from the three analyses. */
export function report(event: TaskEvent): Record<string, unknown> {
  const sessions = event.deps.sessionize as { sessions: number; per_user: number };
  const reached = event.deps.funnel as Record<string, number>;
  const cohorts = event.deps.cohort_similarity as { alike_pairs: number; mean_similarity: number };
  const visits = reached.visit ?? 0;
  return {
    day: (event.input as unknown as AnalyticsInput).day,
    sessions_per_user: sessions.per_user,
    checkout_rate: visits === 0 ? 0 : Math.round(((reached.checkout ?? 0) / visits) * 1000) / 1000,
    alike_pairs: cohorts.alike_pairs,
    mean_similarity: cohorts.mean_similarity,
  };
}
