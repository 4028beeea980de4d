/**
 * Handlers of the loan_batch example (and of its child workflow kyc_check): offline and deterministic.
 * A score is derived from the applicant's income; `"flaky": true` on an applicant makes its first scoring
 * attempt fail (the map retries that item alone), `"fail": true` makes every attempt fail (the map fails
 * and the Saga undoes the items that were scored).
 */
import type { CompensationEvent, TaskEvent } from '../../src/runtime/types.ts';

interface Applicant {
  readonly id: string;
  readonly income: number;
  readonly flaky?: boolean;
  readonly fail?: boolean;
}

export function load(event: TaskEvent) {
  return { applicants: (event.input as unknown as { applicants: Applicant[] }).applicants };
}

export function verify(event: TaskEvent) {
  return { verified: (event.input as unknown as { applicants: string[] }).applicants };
}

export function unverify() {}

export function verdict(event: TaskEvent) {
  return { clear: (event.deps.verify as { verified: string[] }).verified.length };
}

export function score_one(event: TaskEvent) {
  const applicant = event.item as unknown as Applicant;
  if (applicant.fail || (applicant.flaky && event.attempt === 1)) {
    throw new Error(`bureau timeout for ${applicant.id}`);
  }
  return { id: applicant.id, score: Math.min(850, 300 + Math.round(applicant.income / 200)) };
}

export function unscore_one(event: CompensationEvent) {
  return { unscored: (event.output as { id: string }).id };
}

export function approve(event: TaskEvent) {
  const scores = event.deps.score_each as { id: string; score: number }[];
  return { approved: scores.filter((s) => s.score >= 600).map((s) => s.id) };
}

export function reject() {
  return { reason: 'no applicant scored 600 or more' };
}

export function send_offers(event: TaskEvent) {
  const approved = (event.deps.cool_off === undefined ? [] : event.deps.score_each) as {
    id: string;
    score: number;
  }[];
  return { offers: approved.filter((s) => s.score >= 600).map((s) => `offer-${s.id}`) };
}

export function withdraw_offers() {}

/** Runs after whichever branch ran: a skipped dependency is absent from `event.deps`. */
export function notify(event: TaskEvent) {
  return { sent: 'send_offers' in event.deps ? 'offers' : 'rejection' };
}
