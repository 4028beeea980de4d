/**
 * Handlers of the manager_approval example: offline. `ask_manager` stands for the e-mail to the manager:
 * it prints (on stderr) the command that answers it, with this attempt's callback token.
 */
import type { TaskContext, TaskEvent } from '../../src/runtime/types.ts';

interface LoanInput {
  readonly applicant: { readonly id: string; readonly amount: number };
  readonly manager: string;
}

const input = (event: TaskEvent): LoanInput => event.input as unknown as LoanInput;

export function reserve_funds(event: TaskEvent) {
  const { applicant } = input(event);
  return { reservation: `res-${applicant.id}`, amount: applicant.amount };
}

export function release_funds(event: TaskEvent) {
  return { released: `res-${input(event).applicant.id}` };
}

export function ask_manager(event: TaskEvent, ctx: TaskContext) {
  const { applicant, manager } = input(event);
  process.stderr.write(
    `[to ${manager}] approve ${applicant.amount} for ${applicant.id}? answer with:\n` +
      `  npx weft callback ${ctx.callback?.token} --output '{"approved":true}'\n`,
  );
}

export function pay_out(event: TaskEvent) {
  const { applicant } = input(event);
  return { transfer: `transfer-${applicant.id}`, amount: applicant.amount };
}

export function notify(event: TaskEvent) {
  return { sent: 'pay_out' in event.deps ? 'paid' : 'declined' };
}
