/**
 * Handlers of the order_fulfilment example: offline and deterministic. The stock and the ledger are
 * in-memory stand-ins; `input.fail_receipt: true` makes the receipt fail for good, to show what a failure
 * after the answer does (only the tasks still running at the answer are compensated).
 */
import type { TaskContext, TaskEvent } from '../../src/runtime/types.ts';

interface Order {
  readonly order_id: string;
  readonly sku: string;
  readonly quantity: number;
  readonly card: string;
  readonly email: string;
  readonly fail_receipt?: boolean;
}

const order = (event: TaskEvent): Order => event.input as unknown as Order;

export async function reserve_stock(event: TaskEvent): Promise<{ reserved: number; sku: string }> {
  const { sku, quantity } = order(event);
  return { reserved: quantity, sku };
}

export async function release_stock(event: TaskEvent): Promise<{ released: string }> {
  return { released: order(event).sku };
}

export async function charge_card(
  event: TaskEvent,
  ctx: TaskContext,
): Promise<{ charge: string; idempotency_key: string }> {
  // sent to the payment provider, which deduplicates on it: a retried or taken-over attempt charges once
  return { charge: `ch_${order(event).order_id}`, idempotency_key: ctx.idempotencyKey };
}

export async function refund_card(event: TaskEvent): Promise<{ refunded: unknown }> {
  return { refunded: (event.deps.charge_card as { charge?: string } | undefined)?.charge ?? null };
}

export async function confirm_order(event: TaskEvent): Promise<{ order_id: string; status: string }> {
  return { order_id: order(event).order_id, status: 'confirmed' };
}

export async function send_receipt(event: TaskEvent): Promise<{ sent_to: string }> {
  if (order(event).fail_receipt) {
    const error = new Error(`the mail service refused ${order(event).email}`);
    error.name = 'MailRefused';
    throw error;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { sent_to: order(event).email };
}

export async function update_analytics(event: TaskEvent): Promise<{ counted: string }> {
  return { counted: order(event).order_id };
}
