import { Duration, Stack, Token } from 'aws-cdk-lib';
import { type CfnRule, type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { UserInputError } from '../../src/errors.ts';
import type { Plan } from '../../src/workflow/plan.ts';
import { patternProblem, scopedPattern, triggerAccountsProblem } from './rule-pattern.ts';

export interface WeftRulesProps {
  readonly plans: readonly Plan[];
  readonly trigger: IFunction;
  /** Receives the deliveries the trigger function still failed after EventBridge's retries. */
  readonly deadLetterQueue: IQueue;
  /** The bus the `on:` rules listen to; schedules always run on the default bus. @default the default bus */
  readonly eventBus?: IEventBus;
  /**
   * Accounts whose events the `on:` rules accept besides the stack's own (events another account sends
   * to the bus, as its policy allows). @default none: the stack's account only
   */
  readonly triggerAccounts?: readonly string[];
}

/**
 * The input template of a rule's target: the workflow it was made for, and the whole original event
 * (EventBridge's predefined `aws.events.event.json`, detail included).
 */
export function triggerInputTemplate(weft: Readonly<Record<string, string | number>>): string {
  return `{"weft":${JSON.stringify(weft)},"event":<aws.events.event.json>}`;
}

/** The accounts an `on:` rule accepts events from: the stack's, then the others given. */
function triggerRuleAccounts(stackAccount: string, extra: readonly string[]): string[] {
  return [stackAccount, ...extra.filter((account) => account !== stackAccount)];
}

/**
 * Why the workflows' `on:` rules cannot be deployed, one line per trigger (see rule-pattern.ts); empty when
 * they can. The orchestrator asks before it builds anything, so a mistake is reported at once.
 */
export function triggerRuleProblems(
  plans: readonly Plan[],
  stackAccount: string,
  extra: readonly string[],
): string[] {
  const literal = Token.isUnresolved(stackAccount) ? extra : [stackAccount, ...extra];
  const problems = [triggerAccountsProblem(extra)].filter((problem) => problem !== undefined);
  for (const plan of plans) {
    plan.triggers.forEach((trigger, index) => {
      const problem = patternProblem(trigger.pattern, literal);
      if (problem) problems.push(`workflow '${plan.name}', trigger ${index}: ${problem}`);
    });
  }
  return problems;
}

/**
 * One EventBridge rule per workflow trigger (`on:`) and per schedule (`schedule:`), each targeting the
 * trigger function with the event wrapped as `{ weft: { workflow, trigger | schedule }, event }`, so an
 * event matching several workflows starts each of them exactly once. An `on:` rule takes only the sources
 * its pattern names and only events from the stack's account and `triggerAccounts` (see rule-pattern.ts).
 */
export class WeftRules extends Construct {
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: WeftRulesProps) {
    super(scope, id);
    const accounts = triggerRuleAccounts(Stack.of(this).account, props.triggerAccounts ?? []);
    const problems = triggerRuleProblems(props.plans, Stack.of(this).account, props.triggerAccounts ?? []);
    if (problems.length > 0)
      throw new UserInputError('orchestrator.settings', `WeftRules: ${problems.join('; ')}`);
    const target = new LambdaFunction(props.trigger, {
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
      deadLetterQueue: props.deadLetterQueue,
    });
    for (const plan of props.plans) {
      plan.triggers.forEach((trigger, index) => {
        const rule = new Rule(this, `${plan.name}-on-${index}`, {
          description: `weft: starts workflow ${plan.name} (trigger ${index})`,
          ...(props.eventBus ? { eventBus: props.eventBus } : {}),
          // Satisfies the construct's own validation; the pattern as written replaces it below, because the
          // typed EventPattern cannot express every top-level key (`$or`, say).
          eventPattern: { source: ['placeholder'] },
          targets: [target],
        });
        const cfn = rule.node.defaultChild as CfnRule;
        const pattern = scopedPattern(trigger.pattern, accounts);
        cfn.addPropertyOverride('EventPattern', pattern);
        // Overrides merge into the rendered object: the placeholder's key must not survive.
        if (!('source' in pattern)) cfn.addPropertyDeletionOverride('EventPattern.source');
        cfn.addPropertyOverride('Targets.0.InputTransformer', {
          InputTemplate: triggerInputTemplate({ workflow: plan.name, trigger: index }),
        });
        this.rules.push(rule);
      });
      plan.schedules.forEach((expression, index) => {
        const rule = new Rule(this, `${plan.name}-schedule-${index}`, {
          description: `weft: starts workflow ${plan.name} on ${expression}`,
          schedule: Schedule.expression(expression),
          targets: [target],
        });
        (rule.node.defaultChild as CfnRule).addPropertyOverride('Targets.0.InputTransformer', {
          InputTemplate: triggerInputTemplate({ workflow: plan.name, schedule: expression }),
        });
        this.rules.push(rule);
      });
    }
  }
}
