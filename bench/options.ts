import { type ParseArgsConfig, parseArgs } from 'node:util';

/** An option's value as `parseArgs` gives it. */
export type OptionValue = string | boolean | undefined;

/**
 * Parses a benchmark's options strictly (no positionals); a mistake is an Error carrying the usage.
 *
 * @example
 * const values = parseBenchOptions(args, { runs: { type: 'string' } }, USAGE);
 */
export function parseBenchOptions(
  args: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
  usage: string,
): Record<string, OptionValue> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as Record<
      string,
      OptionValue
    >;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${usage}`);
  }
}

/** A whole-number option of at least `min`, or `fallback` when absent; a bad value is an Error with the usage. */
export function integerOption(
  name: string,
  value: OptionValue,
  fallback: number,
  min: number,
  usage: string,
): number {
  if (value === undefined || typeof value === 'boolean') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    const wanted = min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw new Error(`--${name} must be ${wanted}, not '${value}'\n${usage}`);
  }
  return n;
}
