/**
 * Handlers of the loan_approval example: realistic but offline (no network, deterministic). Each named export
 * is a handler; its return value is the task's checkpoint.
 *
 * Two input flags let you watch weft's failure handling:
 * - `"simulate_bureau_outage": true`: credit_check's first attempt fails with `BureauUnavailable`, and the
 *   retry policy runs it again.
 * - `"simulate_fraud": true`: fraud_detection fails, so the Saga runs revert_credit_query for credit_check
 *   and `weft run` exits 2.
 */
import { createHash } from 'node:crypto';
import type { CompensationEvent, Json, TaskContext, TaskEvent } from '../../src/runtime/types.ts';

interface Applicant {
  readonly id: string;
  readonly name: string;
  readonly country?: string;
  readonly annual_income: number;
  readonly requested_amount: number;
}

interface LoanInput {
  readonly applicant: Applicant;
  readonly simulate_fraud?: boolean;
  readonly simulate_bureau_outage?: boolean;
}

interface CreditReport {
  readonly score: number;
  readonly inquiry_id: string;
  readonly open_accounts: number;
}

interface FraudReport {
  readonly risk: 'low' | 'medium';
  readonly signals: string[];
}

/** A transient failure of the (simulated) credit bureau: the retry policy handles it. */
class BureauUnavailable extends Error {
  override name = 'BureauUnavailable';
}

/** Fraud detection refuses the application: the run fails and the credit inquiry is reverted. */
class FraudSuspected extends Error {
  override name = 'FraudSuspected';
}

function loanInput(input: Json): LoanInput {
  const candidate = input as Partial<LoanInput> | null;
  const applicant = candidate?.applicant;
  if (typeof applicant?.id !== 'string' || typeof applicant.annual_income !== 'number') {
    throw new TypeError('input must be {"applicant": {"id": "...", "annual_income": <number>, ...}}');
  }
  return candidate as LoanInput;
}

/** A stable number in [0, 1) derived from a string, standing in for a bureau's opinion of an applicant. */
function stableFraction(text: string): number {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619);
  return (hash >>> 0) / 2 ** 32;
}

/** Queries the credit bureau. The inquiry id derives from the idempotency key, so a retry reuses it. */
export async function credit_check(event: TaskEvent, ctx: TaskContext): Promise<CreditReport> {
  const { applicant, simulate_bureau_outage } = loanInput(event.input);
  if (simulate_bureau_outage === true && event.attempt === 1) {
    throw new BureauUnavailable('credit bureau timed out (simulated); the retry policy will try again');
  }
  const score = 580 + Math.round(stableFraction(applicant.id) * 250);
  return {
    score,
    inquiry_id: `inq-${createHash('sha256').update(ctx.idempotencyKey).digest('hex').slice(0, 12)}`,
    open_accounts: 1 + Math.floor(stableFraction(applicant.name) * 6),
  };
}

/** Looks for fraud signals in the application. */
export async function fraud_detection(event: TaskEvent): Promise<FraudReport> {
  const { applicant, simulate_fraud } = loanInput(event.input);
  if (simulate_fraud === true) {
    throw new FraudSuspected(`application of ${applicant.id} matches a known fraud pattern (simulated)`);
  }
  const signals: string[] = [];
  if (applicant.requested_amount > applicant.annual_income) signals.push('amount above annual income');
  return { risk: signals.length === 0 ? 'low' : 'medium', signals };
}

/** Decides from the credit score, the fraud report and the debt-to-income ratio. */
export async function final_decision(event: TaskEvent): Promise<Json> {
  const { applicant } = loanInput(event.input);
  const credit = event.deps.credit_check as unknown as CreditReport;
  const fraud = event.deps.fraud_detection as unknown as FraudReport;
  const ratio = applicant.requested_amount / applicant.annual_income;
  if (fraud.risk !== 'low') return { decision: 'manual_review', reasons: fraud.signals };
  if (credit.score < 620)
    return { decision: 'declined', reasons: [`credit score ${credit.score} below 620`] };
  if (ratio > 0.5)
    return { decision: 'declined', reasons: ['requested amount above half the annual income'] };
  const apr = Number((0.045 + ((850 - credit.score) / 270) * 0.08).toFixed(4));
  return { decision: 'approved', amount: applicant.requested_amount, apr, credit_score: credit.score };
}

/** Compensation of credit_check: withdraws the bureau inquiry so it does not weigh on the applicant. */
export async function revert_credit_query(event: CompensationEvent): Promise<Json> {
  const report = event.output as unknown as CreditReport;
  return { withdrawn_inquiry: report.inquiry_id, applicant: loanInput(event.input).applicant.id };
}
