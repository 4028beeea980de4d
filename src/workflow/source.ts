import { isAlias, isMap, isScalar, isSeq, type Node, parseDocument } from 'yaml';
import type { Diagnostic } from './diagnostic.ts';
import { jsonTooDeep, valueTooDeep } from './json-depth.ts';
import { jsonOffsets } from './json-offsets.ts';
import { jsonSyntaxError } from './json-syntax.ts';
import { yamlTooDeep } from './yaml-depth.ts';
import { unclosedOpener } from './yaml-openers.ts';

/** A step into a parsed document: a mapping key or a list index. */
export type PathSegment = string | number;

/** A 1-based position in the source text. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** A parsed definition and a way back from a path in it to the text. */
export interface ParsedSource {
  /** The document as plain JSON-like data. */
  readonly value: unknown;
  /**
   * Where the value at `path` starts (or its key, with `'key'`). A path that does not exist resolves to
   * its nearest existing ancestor, so a missing field points at the mapping that lacks it.
   */
  locate(path: readonly PathSegment[], target?: 'value' | 'key'): Position;
}

/** The parser's codes for a construct that was never closed: reported where it was opened. */
const UNCLOSED: ReadonlySet<string> = new Set(['BAD_INDENT', 'MISSING_CHAR', 'UNEXPECTED_TOKEN']);
const NAMES = { '[': "'['", '{': "'{'", '"': 'double quote', "'": 'single quote' } as const;

/** Syntax errors reported per file; later ones are mostly echoes of the first. */
const MAX_SYNTAX_ERRORS = 5;

/**
 * The deepest nesting of lists and mappings a workflow file may have (the top-level mapping is the first
 * level): far beyond what a workflow needs, and well within what the parsers and checks can recurse through.
 */
export const MAX_WORKFLOW_DEPTH = 64;

const TOO_DEEP = `too deeply nested: more than ${MAX_WORKFLOW_DEPTH} levels of lists and mappings`;

function tooDeep(file: string, at: Position, how = ''): ParseResult {
  return {
    ok: false,
    diagnostics: [{ file, ...at, message: `${TOO_DEEP}${how}`, code: 'workflow.tooDeep' }],
  };
}

export type ParseResult = { ok: true; source: ParsedSource } | { ok: false; diagnostics: Diagnostic[] };

/** Parses YAML, or JSON when the file name ends in `.json` (without the YAML parser: it is much faster). */
export function parseSource(text: string, file: string): ParseResult {
  return file.toLowerCase().endsWith('.json') ? parseJson(text, file) : parseYaml(text, file);
}

function parseYaml(text: string, file: string): ParseResult {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const position = positionsOf(text);
  // The parser itself recurses: on a document thousands of levels deep it gives up with this code.
  const exhausted = doc.errors.find((error) => error.code === 'RESOURCE_EXHAUSTION');
  if (exhausted !== undefined) return tooDeep(file, position(exhausted.pos[0]));
  if (doc.errors.length > 0) {
    // After the first error the parser often reports the rest of that line again: keep one per line.
    const seen = new Set<number>();
    const diagnostics: Diagnostic[] = [];
    for (const error of doc.errors) {
      const noticed = position(error.pos[0]);
      const opener = UNCLOSED.has(error.code) ? unclosedOpener(text, error.pos[0]) : undefined;
      const opened = opener === undefined ? undefined : position(opener.offset);
      const at = opened ?? noticed;
      if (seen.has(at.line) || diagnostics.length >= MAX_SYNTAX_ERRORS) continue;
      seen.add(at.line);
      const where =
        opened === undefined || opened.line === noticed.line || opener === undefined
          ? ''
          : ` (the ${NAMES[opener.char]} opened here is not closed; the parser noticed at line ${noticed.line}, col ${noticed.col})`;
      diagnostics.push({
        file,
        ...at,
        message: `YAML syntax error: ${firstLine(error.message)}${where}`,
        code: 'workflow.syntax',
      });
    }
    return { ok: false, diagnostics };
  }
  const deep = yamlTooDeep(doc, MAX_WORKFLOW_DEPTH);
  if (deep !== undefined) return tooDeep(file, position(deep));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // Alias expansion beyond the limit (a "billion laughs" document) is the one way toJS fails.
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      diagnostics: [{ file, line: 1, col: 1, message: `YAML error: ${message}`, code: 'workflow.syntax' }],
    };
  }
  if (valueTooDeep(value, MAX_WORKFLOW_DEPTH)) {
    return tooDeep(file, { line: 1, col: 1 }, ' once its aliases (*name) are expanded');
  }
  const locate = (path: readonly PathSegment[], target: 'value' | 'key' = 'value'): Position => {
    let node: unknown = doc.contents;
    let offset = node !== null && isNodeWithRange(node) ? node.range[0] : 0;
    for (let depth = 0; depth < path.length; depth++) {
      const segment = path[depth];
      if (isAlias(node)) node = node.resolve(doc);
      let next: unknown;
      let keyOffset: number | undefined;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (pair !== undefined) {
          next = pair.value;
          keyOffset = isNodeWithRange(pair.key) ? pair.key.range[0] : undefined;
        }
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      }
      if (next === undefined) break;
      node = next;
      const isLast = depth === path.length - 1;
      if (isLast && target === 'key' && keyOffset !== undefined) offset = keyOffset;
      else if (isNodeWithRange(node)) offset = node.range[0];
      else if (keyOffset !== undefined) offset = keyOffset;
    }
    return position(offset);
  };
  return { ok: true, source: { value, locate } };
}

function parseJson(text: string, file: string): ParseResult {
  // before anything that recurses: the syntax and position finders below do
  const deep = jsonTooDeep(text, MAX_WORKFLOW_DEPTH);
  if (deep !== undefined) return tooDeep(file, offsetToPosition(text, deep.offset));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const found = jsonSyntaxError(text) ?? {
      offset: 0,
      message: error instanceof Error ? error.message : String(error),
    };
    return {
      ok: false,
      diagnostics: [
        {
          file,
          ...offsetToPosition(text, found.offset),
          message: `JSON syntax error: ${found.message}`,
          code: 'workflow.syntax',
        },
      ],
    };
  }
  let offsets: ReturnType<typeof jsonOffsets> | undefined;
  let position: ((offset: number) => Position) | undefined;
  const locate = (path: readonly PathSegment[], target: 'value' | 'key' = 'value'): Position => {
    offsets ??= jsonOffsets(text);
    for (let length = path.length; length >= 0; length--) {
      const entry = offsets.get(JSON.stringify(path.slice(0, length)));
      if (entry !== undefined) {
        const offset = target === 'key' && length === path.length ? (entry.key ?? entry.value) : entry.value;
        position ??= positionsOf(text);
        return position(offset);
      }
    }
    return { line: 1, col: 1 };
  };
  return { ok: true, source: { value, locate } };
}

function isNodeWithRange(node: unknown): node is Node & { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && Array.isArray((node as { range?: unknown }).range);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/\s+at line \d+, column \d+:?$/, '').trim();
}

/** 1-based line and column of a character offset. */
export function offsetToPosition(text: string, offset: number): Position {
  return positionsOf(text)(offset);
}

/** Maps offsets to positions in `text`, finding the line by binary search over the line starts. */
function positionsOf(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    const at = Math.max(0, Math.min(offset, text.length));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= at) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, col: at - (starts[low] ?? 0) + 1 };
  };
}
