import type { TestProject } from 'vitest/node';
import { type Emulator, startDynalite, startFauxqs } from '../../src/local/emulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sqsEndpoint: string;
  }
}

/** Starts the emulators once for the integration suite; tests isolate themselves by table and queue names. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: Emulator[] = [];
  const dynamodb = await startDynalite();
  started.push(dynamodb);
  const sqs = await startFauxqs();
  started.push(sqs);
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  project.provide('sqsEndpoint', sqs.endpoint);
  return async () => {
    await Promise.all(started.map((emulator) => emulator.close()));
  };
}
