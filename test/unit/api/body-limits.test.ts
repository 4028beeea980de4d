import { describe, expect, it } from 'vitest';
import {
  MAX_BODY_BYTES,
  MAX_BODY_DEPTH,
  problemResult,
  readEventBody,
  readJsonBody,
} from '../../../src/api/index.ts';

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

function problemOf(body: Uint8Array | string) {
  const read = readJsonBody(body);
  if (read.ok) throw new Error(`expected a refusal, got ${JSON.stringify(read.value)}`);
  return read.problem;
}

describe('readJsonBody', () => {
  it('parses a JSON body', () => {
    expect(readJsonBody('{"a":[1]}')).toEqual({ ok: true, value: { a: [1] } });
    expect(readJsonBody(Buffer.from('{"a":"é"}'))).toEqual({ ok: true, value: { a: 'é' } });
  });

  it('accepts exactly the depth limit and refuses one level more with 400 request.tooDeep', () => {
    expect(readJsonBody(nested(MAX_BODY_DEPTH)).ok).toBe(true);
    expect(problemOf(nested(MAX_BODY_DEPTH + 1))).toMatchObject({ status: 400, code: 'request.tooDeep' });
  });

  it('refuses a body over the limit counted in bytes, not characters, with 413', () => {
    const characters = MAX_BODY_BYTES / 2; // 'é' is two bytes in UTF-8
    expect(readJsonBody(JSON.stringify('é'.repeat(characters / 2 - 2))).ok).toBe(true);
    expect(problemOf(JSON.stringify('é'.repeat(characters)))).toMatchObject({
      status: 413,
      code: 'request.tooLarge',
    });
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(problemOf(Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toMatchObject({
      status: 400,
      code: 'request.malformedJson',
      message: expect.stringContaining('UTF-8'),
    });
  });

  it('refuses an empty body and one that is not JSON', () => {
    expect(problemOf(' \n')).toMatchObject({ status: 400, code: 'request.invalid' });
    expect(problemOf('{"a":')).toMatchObject({ status: 400, code: 'request.malformedJson' });
  });

  it('reads __proto__ as a plain key, never as a prototype', () => {
    const read = readJsonBody('{"__proto__":{"polluted":true}}');
    expect(read.ok && Object.getPrototypeOf(read.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('readEventBody', () => {
  it('decodes a base64 body before reading it', () => {
    const body = Buffer.from(nested(MAX_BODY_DEPTH + 1)).toString('base64');
    const read = readEventBody({
      rawPath: '/',
      body,
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST' } },
    });
    expect(read.ok ? undefined : read.problem.code).toBe('request.tooDeep');
  });
});

describe('problemResult', () => {
  it('answers in the API error shape', () => {
    const result = problemResult({
      status: 413,
      code: 'request.tooLarge',
      message: 'too big',
      field: 'input',
    });
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'request.tooLarge', message: 'too big', field: 'input' },
    });
  });
});
