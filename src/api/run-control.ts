import { z } from 'zod';
import type { Json, RedriveRequest, RunControlAnswer, Runtime } from '../runtime/types.ts';
import { callerOf } from './authorization.ts';
import { type Parsed, problemResult, readEventBody } from './body-limits.ts';
import { type ApiEvent, type ApiResult, errorResult } from './http.ts';
import { isValidId } from './request.ts';
import { runNotFound, runViewResult } from './run-reads.ts';

/** The body of `POST /workflows/{name}/runs/{id}/redrive`: both fields optional, the body itself too. */
const redriveSchema = z.strictObject({
  input: z.json().optional(),
  from: z.string().min(1, 'must name a task').optional(),
});

function parseRedrive(event: ApiEvent): Parsed<{ input?: Json; from?: string }> {
  if ((event.body ?? '').trim() === '') return { ok: true, value: {} };
  const read = readEventBody(event);
  if (!read.ok) return read;
  const result = redriveSchema.safeParse(read.value);
  if (result.success) {
    const { input, from } = result.data;
    return {
      ok: true,
      value: {
        ...(input === undefined ? {} : { input: input as Json }),
        ...(from === undefined ? {} : { from }),
      },
    };
  }
  const issue = result.error.issues[0];
  const field = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue?.path.join('.');
  return {
    ok: false,
    problem: {
      status: 400,
      code: 'request.invalid',
      message:
        issue?.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map((k) => `'${k}'`).join(', ')}; a redrive takes 'input' and 'from'`
          : `field '${field}' ${issue?.message ?? 'is invalid'}; send { "input"?: ..., "from"?: "<task id>" }`,
      ...(field ? { field } : {}),
    },
  };
}

/** `POST /workflows/{name}/runs/{id}/redrive`: 200 with the run once redriven; 404, 409 (not paused, a task busy) or 400. */
export async function redrive(runtime: Runtime, runId: string, event: ApiEvent): Promise<ApiResult> {
  const body = parseRedrive(event);
  if (!body.ok) return problemResult(body.problem);
  if (!isValidId(runId)) return runNotFound(runId);
  const request: RedriveRequest = { ...body.value, by: callerOf(event) };
  return controlResult(runtime, runId, await runtime.redrive(runId, request));
}

/** `POST /workflows/{name}/runs/{id}/rollback`: 200 with the run once its rollback started; 404, or 409 unless paused. */
export async function rollback(runtime: Runtime, runId: string): Promise<ApiResult> {
  if (!isValidId(runId)) return runNotFound(runId);
  return controlResult(runtime, runId, await runtime.rollback(runId));
}

async function controlResult(runtime: Runtime, runId: string, answer: RunControlAnswer): Promise<ApiResult> {
  if (answer.kind === 'notFound') return runNotFound(runId);
  if (answer.kind === 'refused') {
    const status = answer.code === 'redrive.unknownTask' || answer.code === 'input.tooLarge' ? 400 : 409;
    return errorResult(
      status,
      answer.code,
      answer.message,
      answer.code === 'redrive.unknownTask' ? { field: 'from' } : {},
    );
  }
  const view = await runtime.getRun(runId);
  return view ? runViewResult(view) : runNotFound(runId);
}
