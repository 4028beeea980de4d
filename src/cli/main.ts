import { Command, CommanderError } from 'commander';

/** Runs the weft command line; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('weft')
    .description('weft: durable workflow DAGs on DynamoDB and SQS')
    .showHelpAfterError()
    .exitOverride();
  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    throw error;
  }
}
