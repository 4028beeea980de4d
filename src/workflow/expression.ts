import jsonata from 'jsonata';

/**
 * Values that depend on the run: JSONata expressions (the language Step Functions also uses) evaluated over
 * `{ input, deps }`, where `deps.<id>` is that dependency's output. A field that takes an expression holds
 * it as is (`when: deps.score.value > 600`); a field that takes text interpolates `${ expr }` inside it
 * (`"account:${input.sender}"`). Both are parsed when the workflow is validated; evaluation happens in the
 * worker, bounded in time and depth.
 */

/** What an expression sees: the run's input and its dependencies' outputs (a skipped dependency is absent). */
export interface ExpressionScope {
  readonly input: unknown;
  readonly deps: Readonly<Record<string, unknown>>;
}

/** A syntax error, at a character offset (from 0) of the text as written. */
export interface ExpressionProblem {
  readonly offset: number;
  readonly message: string;
}

/** An expression that failed while it was evaluated: the task fails with it, and it is not retried. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

/** Longest one evaluation may run, and deepest it may recurse: a runaway expression fails, it never hangs. */
const LIMITS = { timeout: 1000, stack: 500 } as const;

/** Whether `text` parses as a JSONata expression; the problem if not. */
export function expressionProblem(text: string): ExpressionProblem | undefined {
  if (text.trim() === '') return { offset: 0, message: 'an empty expression' };
  try {
    jsonata(text);
    return undefined;
  } catch (error) {
    return problemOf(error, text, 0);
  }
}

/** Whether every `${ ... }` of a template parses; the first problem if not. */
export function templateProblem(text: string): ExpressionProblem | undefined {
  const parts = templateParts(text);
  if (!Array.isArray(parts)) return parts;
  for (const part of parts) {
    if (part.kind !== 'expression') continue;
    const problem = expressionProblem(part.text);
    if (problem) return { offset: part.offset + problem.offset, message: problem.message };
  }
  return undefined;
}

/** The `${ ... }` expressions of a template, with their offsets in it; none if it does not split. */
export function templateExpressions(text: string): { readonly text: string; readonly offset: number }[] {
  const parts = templateParts(text);
  if (!Array.isArray(parts)) return [];
  return parts.flatMap((part) =>
    part.kind === 'expression' ? [{ text: part.text, offset: part.offset }] : [],
  );
}

/** Whether `text` interpolates anything (holds `${`). */
export function isTemplate(text: string): boolean {
  return text.includes('${');
}

/**
 * Evaluates an expression over the scope. A runtime error (a type mismatch, an unknown function, too
 * long or too deep) is an `ExpressionError` naming the expression.
 *
 * @example
 * await evaluateExpression('deps.score.value > 600', { input: {}, deps: { score: { value: 700 } } }); // true
 */
export async function evaluateExpression(text: string, scope: ExpressionScope): Promise<unknown> {
  try {
    return plain(await compiled(text).evaluate(scope));
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    throw new ExpressionError(`'${text}' failed: ${messageOf(error)}`);
  }
}

/** Evaluates a condition: it must come out `true` or `false`. */
export async function evaluateCondition(text: string, scope: ExpressionScope): Promise<boolean> {
  const value = await evaluateExpression(text, scope);
  if (typeof value === 'boolean') return value;
  const found = value === undefined ? 'nothing (a path that matched no value)' : JSON.stringify(value);
  throw new ExpressionError(`'${text}' must evaluate to true or false, got ${found}`);
}

/**
 * Renders a template: the text with each `${ expr }` replaced by its value (a string as is, anything else
 * as JSON). An expression that evaluates to nothing is an error, not an empty string.
 *
 * @example
 * await renderTemplate('account:${input.sender}', { input: { sender: 'a1' }, deps: {} }); // 'account:a1'
 */
export async function renderTemplate(text: string, scope: ExpressionScope): Promise<string> {
  const parts = templateParts(text);
  if (!Array.isArray(parts)) throw new ExpressionError(`'${text}': ${parts.message}`);
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = await evaluateExpression(part.text, scope);
    if (value === undefined) {
      throw new ExpressionError(
        `'\${${part.text}}' in '${text}' evaluated to nothing (a path that matched no value)`,
      );
    }
    out += typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'expression'; readonly text: string; readonly offset: number };

/** Splits a template into text and `${ ... }` parts; braces and quotes inside an expression are skipped. */
function templateParts(text: string): TemplatePart[] | ExpressionProblem {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('${', at);
    if (open === -1) {
      parts.push({ kind: 'text', text: text.slice(at) });
      break;
    }
    if (open > at) parts.push({ kind: 'text', text: text.slice(at, open) });
    const close = closingBrace(text, open + 2);
    if (close === undefined) return { offset: open, message: "'${' is not closed by a matching '}'" };
    const inner = text.slice(open + 2, close);
    if (inner.trim() === '') return { offset: open, message: "'${}' holds no expression" };
    parts.push({ kind: 'expression', text: inner, offset: open + 2 });
    at = close + 1;
  }
  return parts;
}

function closingBrace(text: string, from: number): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth += 1;
    else if (c === '}') {
      if (depth === 0) return i;
      depth -= 1;
    }
  }
  return undefined;
}

/** Parsed expressions, by text: a plan's few expressions are parsed once per process. */
const cache = new Map<string, jsonata.Expression>();
const CACHE_LIMIT = 1000;

function compiled(text: string): jsonata.Expression {
  const hit = cache.get(text);
  if (hit) return hit;
  let expression: jsonata.Expression;
  try {
    expression = jsonata(text, LIMITS);
  } catch (error) {
    throw new ExpressionError(`'${text}' does not parse: ${messageOf(error)}`);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, expression);
  return expression;
}

/** JSONata's results are plain JSON but for sequences (arrays with markers): a JSON round trip strips them. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

function problemOf(error: unknown, text: string, base: number): ExpressionProblem {
  const position = (error as { position?: unknown }).position;
  // JSONata's position is just past the offending token
  const offset = typeof position === 'number' ? Math.max(0, Math.min(text.length, position) - 1) : 0;
  return { offset: base + offset, message: messageOf(error) };
}

function messageOf(error: unknown): string {
  const { code, message, value } = error as { code?: string; message?: string; value?: unknown };
  if (code === 'D1012') return `ran longer than ${LIMITS.timeout} ms`;
  if (code === 'D1011') return `recursed deeper than ${LIMITS.stack} levels`;
  if (typeof message === 'string' && message !== '') return message;
  return code ? `JSONata error ${code}${value === undefined ? '' : ` (${String(value)})`}` : String(error);
}
