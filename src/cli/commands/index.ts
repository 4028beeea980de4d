import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { registerCallback } from './callback.ts';
import { registerCancel } from './cancel.ts';
import { registerDev } from './dev.ts';
import { registerGraph } from './graph.ts';
import { registerHistory } from './history.ts';
import { registerPlan } from './plan.ts';
import { registerRedrive, registerRollback } from './redrive.ts';
import { registerResume } from './resume.ts';
import { registerRun } from './run.ts';
import { registerStatus } from './status.ts';
import { registerSubmit } from './submit.ts';
import { registerValidate } from './validate.ts';

/** Adds one subcommand (its options, help and action) to the program. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Every subcommand, in the order `weft --help` lists them. One module per command. */
export const commands: readonly RegisterCommand[] = [
  registerValidate,
  registerPlan,
  registerGraph,
  registerRun,
  registerResume,
  registerStatus,
  registerHistory,
  registerCancel,
  registerRedrive,
  registerRollback,
  registerCallback,
  registerDev,
  registerSubmit,
];
