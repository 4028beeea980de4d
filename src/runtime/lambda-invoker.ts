import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaInvoker } from './deps.ts';

/**
 * Invokes a task declared with `lambda:` synchronously with the task event as payload; its result is the
 * task's output, and a function error is a failed attempt named after the function's error type.
 */
export function lambdaInvoker(client: LambdaClient): LambdaInvoker {
  return async (functionName, payload, signal) => {
    const result = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
      { abortSignal: signal },
    );
    const text = result.Payload ? new TextDecoder().decode(result.Payload) : 'null';
    if (result.FunctionError) {
      const body = parse(text) as { errorType?: string; errorMessage?: string } | undefined;
      const error = new Error(body?.errorMessage ?? `function ${functionName} failed: ${text}`);
      error.name = body?.errorType ?? result.FunctionError;
      throw error;
    }
    return text.length === 0 ? null : parse(text);
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
