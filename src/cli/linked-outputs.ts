import type { ApiRunView, ApiTaskView } from '../api/view-budget.ts';
import { UserInputError } from '../errors.ts';
import type { Json } from '../runtime/types.ts';

/**
 * The run with every output its API view linked (`outputOmitted`) read through its route and put back, so a
 * remote result prints whole, as `weft run` prints a local one. `read` GETs an `href`.
 *
 * @example
 * const whole = await withLinkedOutputs(view, (href) => callApi(endpoint, () => client.request('GET', href)));
 */
export async function withLinkedOutputs(
  view: ApiRunView,
  read: (href: string) => Promise<unknown>,
): Promise<ApiRunView> {
  const tasks: [string, ApiTaskView][] = [];
  for (const [taskId, task] of Object.entries(view.tasks)) {
    const { outputOmitted, ...rest } = task;
    if (outputOmitted === undefined) {
      tasks.push([taskId, task]);
      continue;
    }
    const answer = (await read(outputOmitted.href)) as { output?: Json } | undefined;
    if (answer === null || typeof answer !== 'object' || !('output' in answer)) {
      throw new UserInputError(
        'api.unexpected',
        `the API answered ${outputOmitted.href} without an output: is the endpoint a weft API of this version?`,
      );
    }
    tasks.push([taskId, { ...rest, output: answer.output as Json }]);
  }
  return { ...view, tasks: Object.fromEntries(tasks) };
}
