import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { UserInputError } from '../errors.ts';
import { printable } from '../printable.ts';
import { WorkflowError } from '../workflow/diagnostic.ts';
import { commands } from './commands/index.ts';
import { type CliIo, processIo } from './io.ts';

// by the package's own name: the same from src/cli/ here and from dist/src/cli/ once installed
const { version } = createRequire(import.meta.url)('weft-run/package.json') as { version: string };

/**
 * Runs the weft command line and resolves to the process exit status. A user's mistake (a `UserInputError`,
 * an unknown flag or command) prints its message, never a stack trace, and yields 1.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = new Command('weft')
    .description('weft: durable workflow DAGs on DynamoDB and SQS, with Saga rollback')
    .version(version, '-V, --version', 'print the version of weft')
    .showHelpAfterError()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .exitOverride();
  for (const register of commands) register(program, io);
  try {
    await program.parseAsync(argv as string[]);
    return io.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    if (error instanceof UserInputError) {
      // a workflow error's lines are weft's own (each diagnostic escaped); any other message is one line
      io.err(`weft: ${printable(error.message, { keepNewlines: error instanceof WorkflowError })}\n`);
      return 1;
    }
    throw error;
  }
}
