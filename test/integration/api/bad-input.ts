/**
 * Random and adversarial requests for the API's routes: bodies nested far too deep, too large, not UTF-8,
 * not JSON, of the wrong types, with `__proto__` and repeated keys, lone surrogates and numbers JSON cannot
 * hold; paths with odd ids and encodings; methods a route does not take.
 */
import fc from 'fast-check';
import { MAX_BODY_BYTES, MAX_BODY_DEPTH } from '../../../src/api/index.ts';

/** One request as a client sends it. */
export interface BadRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

const WORKFLOWS = ['greet', 'on_order', 'slow'] as const;

const scalarText = fc.constantFrom(
  'null',
  'true',
  '0',
  '-0',
  '1e999', // Infinity once parsed
  '1e-400',
  '123456789012345678901234567890',
  '""',
  '"\\u0000"',
  '"\\ud800"', // a lone surrogate
  '"\\udfff\\ud800"',
  '"\\u001b[31m"',
  '"__proto__"',
);

/** Arrays or objects nested `depth` levels, closed or cut short. */
const nestedText = fc
  .record({
    depth: fc.oneof(
      fc.integer({ min: MAX_BODY_DEPTH - 4, max: MAX_BODY_DEPTH + 4 }),
      fc.integer({ min: 1, max: 20_000 }),
    ),
    open: fc.constantFrom('[', '{"a":', '{"__proto__":'),
    closed: fc.boolean(),
  })
  .map(({ depth, open, closed }) => {
    const close = open === '[' ? ']' : '}';
    return `${open.repeat(depth)}1${closed ? close.repeat(depth) : ''}`;
  });

/** Objects whose keys are what prototype pollution and careless merges are made of. */
const pollutingText = fc.constantFrom(
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1,"a":{"__proto__":[]}}',
  '{"":{"toString":1,"hasOwnProperty":null}}',
);

/** A value as JSON text: ordinary, odd, or nested deep. */
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: scalarText },
  { weight: 1, arbitrary: pollutingText },
  { weight: 1, arbitrary: nestedText },
);

const keyText = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''),
  fc.string({ maxLength: 8 }),
);

/** An object written as text, so that `__proto__` stays a key and a key may come twice. */
function objectText(...entries: fc.Arbitrary<readonly [string, string]>[]): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(...entries, fc.tuple(keyText, valueText)), { maxLength: 6 })
    .map((pairs) => `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`);
}

const entry = (key: string, value: fc.Arbitrary<string>) => value.map((text) => [key, text] as const);
const quoted = (...values: string[]) => fc.constantFrom(...values.map((value) => JSON.stringify(value)));

/** Run ids as a client may send them: real ones (the tests start `r-1`), and ones no run can have. */
const runIdArbitrary = fc.oneof(
  fc.constantFrom('r-1', 'run-does-not-exist', 'a'.repeat(129), 'key-0000', '..', 'a b', '\u0000'),
  fc.string({ maxLength: 20 }),
);

/** Task ids: ones the fixtures' workflows have, ones no plan has, and what plain objects are made of. */
const taskIdArbitrary = fc.oneof(
  fc.constantFrom('hello', 'world', 'nope', '__proto__', 'constructor', 'toString', '', '..', '%'),
  fc.string({ maxLength: 20 }),
);

/** A history request's query string: limits and cursors good and bad, unknown and repeated parameters. */
const historyQuery = fc
  .array(
    fc.oneof(
      fc
        .oneof(fc.constantFrom('1', '1000', '5000', '5001', '0', '-1', '1.5', '1e3', ''), fc.string())
        .map((limit) => `limit=${encodeURIComponent(limit)}`),
      fc
        .oneof(
          fc.constantFrom('', 'x', 'WzEsInIxIiw0MiwiY2hhcmdlIiwxXQ', '%ZZ'),
          fc.string({ maxLength: 40 }).map((text) => Buffer.from(text).toString('base64url')),
          fc
            .jsonValue({ maxDepth: 2 })
            .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
        )
        .map((next) => `next=${next}`),
      fc
        .tuple(keyText, fc.string({ maxLength: 8 }))
        .map(([key, value]) => `${encodeURIComponent(key)}=${value}`),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => pairs.join('&'));

const submissionText = objectText(
  // the path names the workflow: one in the body is refused
  entry('workflow', fc.oneof(quoted(...WORKFLOWS, 'nope', ''), valueText)),
  entry('input', valueText),
  entry(
    'runId',
    fc.oneof(
      runIdArbitrary.map((id) => JSON.stringify(id)),
      valueText,
    ),
  ),
);

const eventText = objectText(
  entry('id', fc.oneof(quoted('evt-1', 'evt/1', ''), valueText)),
  entry('source', fc.oneof(quoted('shop', 'aws.events'), valueText)),
  entry('detail-type', fc.oneof(quoted('Order Placed'), valueText)),
  entry('detail', fc.oneof(objectText(entry('total', quoted('5')), entry('id', valueText)), valueText)),
  entry(
    'weft',
    objectText(
      entry('workflow', quoted(...WORKFLOWS, 'nope')),
      entry('schedule', fc.oneof(quoted('rate(1 day)'), valueText)),
      entry('trigger', fc.constantFrom('0', '1', '-1', '0.5', '"0"')),
    ),
  ),
  entry('event', valueText),
);

/** A body too large by a little or by a lot, in one- or two-byte characters. */
const hugeText = fc
  .record({
    size: fc.constantFrom(MAX_BODY_BYTES - 64, MAX_BODY_BYTES + 1, 1024 * 1024),
    char: fc.constantFrom('x', 'é'),
    wrapper: fc.constantFrom('{"workflow":"greet","input":{"s":"', '{"source":"shop","detail":{"s":"'),
  })
  .map(
    ({ size, char, wrapper }) => `${wrapper}${char.repeat(Math.floor(size / Buffer.byteLength(char)))}"}}`,
  );

/** Bytes that are not UTF-8, alone or inside JSON. */
const notUtf8 = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc
    .uint8Array({ minLength: 1, maxLength: 8 })
    .map((bytes) =>
      Buffer.concat([
        Buffer.from('{"workflow":"greet","input":"'),
        Buffer.from([0xff, ...bytes]),
        Buffer.from('"}'),
      ]),
    ),
);

/** Any body a client could send. */
const bodyArbitrary: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  { weight: 4, arbitrary: submissionText },
  { weight: 4, arbitrary: eventText },
  {
    weight: 1,
    arbitrary: eventText
      .chain((event) => fc.array(fc.constant(event), { maxLength: 3 }))
      .map((events) => `[${events.join(',')}]`),
  },
  { weight: 2, arbitrary: valueText },
  { weight: 1, arbitrary: hugeText },
  { weight: 1, arbitrary: notUtf8 },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', ' ', '\n') },
);

/** A callback route with a token: garbage, or one of weft's shape with a random address and secret. */
const callbackPath = fc
  .oneof(
    fc.string({ maxLength: 60 }),
    fc
      .tuple(fc.string({ maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9_-]{32}$/))
      .map(([where, secret]) => `wcb1.${Buffer.from(where).toString('base64url')}.${secret}`),
  )
  .map((token) => `/callbacks/${encodeURIComponent(token)}`);

/** A workflow's runs: mostly of `greet` (the tests' run `r-1` is one), some of others or of none. */
const runsOf = fc
  .oneof(
    { weight: 4, arbitrary: fc.constant('greet') },
    { weight: 2, arbitrary: fc.constantFrom(...WORKFLOWS, 'nope', '..', '%2F', 'a b') },
    fc.string({ maxLength: 20 }).map(encodeURIComponent),
  )
  .map((workflow) => `/workflows/${workflow}/runs`);
const runPathOf = fc.tuple(runsOf, runIdArbitrary).map(([runs, id]) => `${runs}/${encodeURIComponent(id)}`);

/** The routes that read a run in parts: a history page, a task's output; mostly of the run the tests start. */
const readRunId = fc.oneof({ weight: 2, arbitrary: fc.constant('r-1') }, runIdArbitrary);
const readRun = fc.tuple(runsOf, readRunId).map(([runs, id]) => `${runs}/${encodeURIComponent(id)}`);
const readPath = fc.oneof(
  fc.tuple(readRun, historyQuery).map(([run, query]) => `${run}/history?${query}`),
  fc.tuple(readRun, taskIdArbitrary).map(([run, task]) => `${run}/tasks/${encodeURIComponent(task)}/output`),
);

const pathArbitrary = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('/runs', '/events', '/workflows', '/runs/', '/events/') },
  { weight: 2, arbitrary: runsOf },
  { weight: 3, arbitrary: runPathOf },
  { weight: 2, arbitrary: runPathOf.map((run) => `${run}/history`) },
  { weight: 4, arbitrary: readPath },
  { weight: 2, arbitrary: runPathOf.map((run) => `${run}/cancel`) },
  { weight: 1, arbitrary: runPathOf.map((run) => `${run}/redrive`) },
  { weight: 1, arbitrary: runPathOf.map((run) => `${run}/rollback`) },
  { weight: 2, arbitrary: callbackPath },
  { weight: 1, arbitrary: callbackPath.map((path) => `${path}/heartbeat`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/',
      '/workflows/greet/runs/%E0%A4%A',
      '/workflows/greet/runs/a/b/c',
      '/%',
      '/workflows/x',
      '/runs/r-1',
    ),
  },
  { weight: 1, arbitrary: fc.webPath() },
);

/** Header values a client can put on the wire: visible ASCII and spaces. */
const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 300 });

/** A submission the API accepts, with an odd input: it reaches the store. */
const oddSubmission = fc
  .record({
    input: valueText,
    runId: fc.option(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/), { freq: 3 }),
  })
  .map(({ input, runId }) =>
    runId === null ? `{"input":${input}}` : `{"input":${input},"runId":"${runId}"}`,
  );

/** Well-formed but for one value nested deep: what reaches the validators if nothing stops it first. */
const deepSubmission = nestedText.map((value) => `{"input":${value}}`);
const deepEvent = nestedText.map(
  (value) => `{"source":"shop","detail-type":"Order Placed","detail":{"total":5,"id":${value}}}`,
);

/** A method, a path and a body: mostly the routes that read a body, with a body made for them. */
const targetArbitrary = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      method: fc.constant('POST'),
      path: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...WORKFLOWS).map((name) => `/workflows/${name}/runs`) },
        runsOf,
      ),
      body: fc.oneof(
        { weight: 2, arbitrary: submissionText },
        { weight: 2, arbitrary: oddSubmission },
        deepSubmission,
        bodyArbitrary,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      method: fc.constant('POST'),
      path: callbackPath,
      body: fc.oneof(
        fc.constantFrom('{"output":1}', '{"error":{"name":"X","message":"y"}}', '{"output":1,"error":{}}'),
        bodyArbitrary,
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      method: fc.constant('POST'),
      path: fc.constant('/events'),
      body: fc.oneof({ weight: 3, arbitrary: eventText }, deepEvent, bodyArbitrary),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ method: fc.constant('GET'), path: readPath, body: fc.constant(undefined) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
      path: pathArbitrary,
      body: bodyArbitrary,
    }),
  },
);

/** Any request to any route. */
export const requestArbitrary: fc.Arbitrary<BadRequest> = fc
  .record({
    target: targetArbitrary,
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/octet-stream'),
    ),
    key: fc.option(headerValue, { freq: 4 }),
  })
  .map(({ target: { method, path, body }, contentType, key }) => ({
    method,
    path,
    headers: { 'content-type': contentType, ...(key === null ? {} : { 'idempotency-key': key }) },
    ...(body === undefined || method === 'GET' ? {} : { body }),
  }));

/** What an EventBridge rule could hand the trigger function: parsed JSON of any shape, or nested deep. */
export const payloadArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  eventText.map((text) => parseOr(text)),
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => {
    let detail: unknown = 1;
    for (let level = 0; level < depth; level++) detail = { a: detail };
    return { id: 'evt-deep', source: 'shop', 'detail-type': 'Order Placed', detail };
  }),
);

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
