import { describe, expect, it } from 'vitest';
import { requestUrl, toHttpApiEvent } from '../../../src/dev/http-event.ts';

const now = new Date('2026-11-27T10:00:00.000Z');

describe('toHttpApiEvent', () => {
  it('builds an HTTP API payload 2.0 event from a request', () => {
    const event = toHttpApiEvent(
      {
        method: 'post',
        url: '/runs?verbose=1&tag=a&tag=b',
        headers: {
          host: '127.0.0.1:8787',
          'content-type': 'application/json',
          'Idempotency-Key': 'k1',
          'user-agent': 'curl',
        },
        body: Buffer.from('{"workflow":"w"}'),
        sourceIp: '127.0.0.1',
      },
      now,
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/runs',
      rawQueryString: 'verbose=1&tag=a&tag=b',
      queryStringParameters: { verbose: '1', tag: 'a,b' },
      headers: { 'idempotency-key': 'k1', 'content-type': 'application/json' },
      body: '{"workflow":"w"}',
      isBase64Encoded: false,
      requestContext: {
        http: {
          method: 'POST',
          path: '/runs',
          sourceIp: '127.0.0.1',
          userAgent: 'curl',
          protocol: 'HTTP/1.1',
        },
        stage: '$default',
        timeEpoch: now.getTime(),
        time: now.toISOString(),
      },
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('base64-encodes a binary body', () => {
    const bytes = Buffer.from([0, 255, 1]);
    const event = toHttpApiEvent({
      method: 'POST',
      url: '/runs',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
      sourceIp: '::1',
    });
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
  });

  it('joins repeated headers and leaves out an empty body', () => {
    const event = toHttpApiEvent({
      method: 'GET',
      url: '/workflows',
      headers: { 'x-forwarded-for': ['a', 'b'] as unknown as string },
      body: Buffer.alloc(0),
      sourceIp: '127.0.0.1',
    });
    expect(event.headers['x-forwarded-for']).toBe('a,b');
    expect(event.body).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
  });
});

describe('requestUrl', () => {
  it('keeps a target starting with // a path, where a relative URL would name a host', () => {
    expect(requestUrl('//evil.example/events?x=1')).toMatchObject({
      host: 'localhost',
      pathname: '//evil.example/events',
      search: '?x=1',
    });
  });

  it('refuses targets that are not a path', () => {
    expect(requestUrl('*')).toBeUndefined();
    expect(requestUrl('http://evil.example/runs')).toBeUndefined();
  });
});
