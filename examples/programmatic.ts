/**
 * The programmatic API: run loan_approval in this process on the embedded SQLite store.
 * Run it with `npx tsx examples/programmatic.ts` from the repository root.
 */
import { openLocal } from 'weft-run';
import * as handlers from './loan_approval/handlers.ts';

const engine = await openLocal({
  workflows: 'examples/loan_approval/workflow.yaml',
  handlers,
  stateDir: '.weft',
});
const { runId } = await engine.submit('loan_approval', {
  applicant: { id: 'A-1', name: 'Ada', annual_income: 90000, requested_amount: 20000 },
});
const result = await engine.wait(runId, { timeoutMs: 30_000 }); // the document `weft run` prints
console.log(result.status, result.tasks.final_decision?.output);
await engine.close();
