/**
 * Handlers of the loan_branches example: offline and deterministic. The applicant's `score` in the input
 * stands for the bureau's answer, so the input picks the branch: 650 or more is approved, below is rejected.
 */
import type { TaskEvent } from '../../src/runtime/types.ts';

interface LoanInput {
  readonly applicant: { readonly id: string; readonly score: number; readonly amount: number };
}

const input = (event: TaskEvent): LoanInput => event.input as unknown as LoanInput;

export function credit_check(event: TaskEvent) {
  const { applicant } = input(event);
  return { applicant: applicant.id, score: applicant.score };
}

export function approve(event: TaskEvent) {
  const { applicant } = input(event);
  return { offer: `offer-${applicant.id}`, amount: applicant.amount };
}

export function reject(event: TaskEvent) {
  return { reason: `score ${input(event).applicant.score} is below 650` };
}

export function release_funds(event: TaskEvent) {
  const { applicant } = input(event);
  return { transfer: `transfer-${applicant.id}`, amount: applicant.amount };
}

/** Runs after whichever branch ran: a skipped dependency is absent from `event.deps`. */
export function notify(event: TaskEvent) {
  const approved = 'release_funds' in event.deps;
  return { sent: approved ? 'approved' : 'rejected', deps: Object.keys(event.deps) };
}

export function revoke_offer() {}

export function claw_back_funds() {}
