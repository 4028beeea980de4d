import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaInvoker } from '../../../src/runtime/lambda-invoker.ts';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const signal = new AbortController().signal;

describe('lambdaInvoker', () => {
  it('invokes the function with the task event and returns its result', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ approved: true }) as never });
    const invoke = lambdaInvoker(new LambdaClient({ region: 'us-east-1' }));
    expect(await invoke('payments', { taskId: 'pay' }, signal)).toEqual({ approved: true });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.FunctionName).toBe('payments');
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({ taskId: 'pay' });
  });

  it('turns a function error into a failed attempt named after its error type', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'CardDeclined', errorMessage: 'card 4242 declined' }) as never,
    });
    const invoke = lambdaInvoker(new LambdaClient({ region: 'us-east-1' }));
    await expect(invoke('payments', {}, signal)).rejects.toMatchObject({
      name: 'CardDeclined',
      message: 'card 4242 declined',
    });
  });
});
