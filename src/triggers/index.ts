export { cronMatches, cronSchedule, nextCronTime, nextFireTime } from './cron.ts';
export { type EventPattern, matchesPattern } from './event-pattern.ts';
export { mapInput, parsePath } from './input-mapping.ts';
export {
  createTriggerHandler,
  type TriggeredRun,
  type TriggerHandler,
  type TriggerHandlerDeps,
  triggerIdempotencyKey,
} from './trigger-handler.ts';
