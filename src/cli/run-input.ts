import { readFile } from 'node:fs/promises';
import { UserInputError } from '../errors.ts';
import type { Json } from '../runtime/types.ts';

/**
 * Reads JSON from an option (`--input` by default): inline JSON, or `@path` for a JSON file. Absent: `{}`.
 *
 * @example
 * await parseInputOption('{"applicant":"ada"}'); // { applicant: 'ada' }
 * await parseInputOption('@examples/loan_approval/input.json');
 * @throws UserInputError naming the file or showing the text that is not JSON.
 */
export async function parseInputOption(value: string | undefined, flag = '--input'): Promise<Json> {
  if (value === undefined) return {};
  if (value.startsWith('@')) {
    const path = value.slice(1);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new UserInputError(
        'input.invalid',
        `${flag}: cannot read '${path}' (use ${flag} @<file> with an existing JSON file)`,
      );
    }
    return parseJson(text, `${flag}: '${path}'`);
  }
  return parseJson(value, flag);
}

function parseJson(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    throw new UserInputError('input.invalid', `${what} is not valid JSON (${reason}): ${shown.trim()}`);
  }
}
