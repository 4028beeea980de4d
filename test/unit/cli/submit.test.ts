import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSubmit } from '../../../src/cli/commands/submit.ts';
import type { CliIo } from '../../../src/cli/io.ts';
import { regionOfEndpoint } from '../../../src/client/signed-client.ts';
import { UserInputError } from '../../../src/errors.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  signatureValid: boolean;
}

/** Recomputes the SigV4 signature of a received request, as API Gateway's IAM authorisation does. */
async function verify(req: IncomingMessage, body: string): Promise<boolean> {
  const authorization = String(req.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/execute-api\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) return false;
  const [, keyId, , region, signedHeaders] = match;
  if (keyId !== credentials.accessKeyId) return false;
  const amzDate = String(req.headers['x-amz-date']);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders as string).split(';')) headers[name] = String(req.headers[name]);
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const signer = new SignatureV4({
    service: 'execute-api',
    region: region as string,
    credentials,
    sha256: Sha256,
  });
  const expected = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body === '' ? {} : { body }),
    },
    { signingDate },
  );
  return expected.headers.authorization === authorization;
}

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A fake API on 127.0.0.1: records requests, checks signatures, answers from a script. */
async function fakeApi(
  answer: (seen: Seen) => { status: number; body: unknown },
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const created = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        signatureValid: await verify(req, body),
      };
      seen.push(entry);
      const reply = answer(entry);
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
    });
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(created.address() as AddressInfo).port}`, seen };
}

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    errIsTty: false,
    exitCode: 0,
    stdout,
    stderr,
  };
}

async function submit(
  args: string[],
  io: CliIo,
  provider: () => Promise<typeof credentials> = async () => credentials,
): Promise<void> {
  const program = new Command('weft').exitOverride();
  registerSubmit(program, io, { credentials: () => provider, sleep: async () => {} });
  await program.parseAsync(['submit', ...args], { from: 'user' });
}

describe('weft submit', () => {
  it('signs POST /runs with SigV4 for execute-api and prints the answer', async () => {
    const api = await fakeApi(() => ({
      status: 201,
      body: { runId: 'r1', workflow: 'loan_approval', created: true },
    }));
    const io = captureIo();
    await submit(
      [
        'loan_approval',
        '--endpoint',
        api.url,
        '--region',
        'eu-west-1',
        '--input',
        '{"a":1}',
        '--idempotency-key',
        'k-1',
      ],
      io,
    );
    expect(api.seen).toHaveLength(1);
    const [request] = api.seen;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/runs');
    expect(JSON.parse(request?.body ?? '')).toEqual({ workflow: 'loan_approval', input: { a: 1 } });
    expect(request?.headers['idempotency-key']).toBe('k-1');
    expect(request?.headers.authorization).toMatch(
      /Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
    );
    expect(request?.headers.authorization).toMatch(/SignedHeaders=[^,]*host[^,]*;[^,]*idempotency-key/);
    expect(request?.signatureValid).toBe(true);
    expect(JSON.parse(io.stdout.join(''))).toEqual({ runId: 'r1', workflow: 'loan_approval', created: true });
  });

  it('waits for the run and exits like weft run', async () => {
    let polls = 0;
    const api = await fakeApi((seen) => {
      if (seen.method === 'POST') return { status: 201, body: { runId: 'r2', workflow: 'w', created: true } };
      polls += 1;
      const done = polls >= 2;
      return {
        status: 200,
        body: {
          runId: 'r2',
          workflow: 'w',
          planVersion: 'v',
          status: done ? 'failed' : 'running',
          rollback: done ? 'incomplete' : 'none',
          input: {},
          tasks: { a: { status: 'failed', attempts: 1 } },
          compensations: [],
        },
      };
    });
    const io = captureIo();
    await submit(['w', '--endpoint', api.url, '--region', 'us-east-1', '--wait', '--poll-interval', '0'], io);
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /runs',
      'GET /runs/r2',
      'GET /runs/r2',
    ]);
    expect(api.seen.every((s) => s.signatureValid)).toBe(true);
    expect(JSON.parse(io.stdout.join(''))).toMatchObject({
      runId: 'r2',
      status: 'failed',
      rollback: 'incomplete',
    });
    expect(io.exitCode).toBe(3);
  });

  it('sends no signature with --unsigned', async () => {
    const api = await fakeApi(() => ({ status: 201, body: { runId: 'r3', workflow: 'w', created: true } }));
    await submit(['w', '--endpoint', api.url, '--unsigned'], captureIo());
    expect(api.seen[0]?.headers.authorization).toBeUndefined();
  });

  it('fails with the API message when the API refuses the request', async () => {
    const api = await fakeApi(() => ({
      status: 404,
      body: { error: { code: 'workflow.unknown', message: 'no workflow named "nope"' } },
    }));
    await expect(
      submit(['nope', '--endpoint', api.url, '--region', 'eu-west-1'], captureIo()),
    ).rejects.toThrow(/404 workflow.unknown: no workflow named "nope"/);
  });

  it('fails with a user error when no AWS credentials can be found', async () => {
    const api = await fakeApi(() => ({ status: 201, body: {} }));
    const missing = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
    };
    await expect(
      submit(['w', '--endpoint', api.url, '--region', 'eu-west-1'], captureIo(), missing),
    ).rejects.toThrow(
      /no AWS credentials to sign the request \(Could not load credentials from any providers\)/,
    );
    expect(api.seen).toHaveLength(0);
  });

  it('rejects a bad --poll-interval before submitting anything', async () => {
    const api = await fakeApi(() => ({ status: 201, body: { runId: 'r' } }));
    await expect(
      submit(['w', '--endpoint', api.url, '--unsigned', '--wait', '--poll-interval', 'soon'], captureIo()),
    ).rejects.toThrow(/--poll-interval/);
    expect(api.seen).toHaveLength(0);
  });

  it('rejects a custom-domain endpoint without --region', async () => {
    await expect(submit(['w', '--endpoint', 'https://api.example.com'], captureIo())).rejects.toThrow(
      UserInputError,
    );
  });

  it('rejects an endpoint that is not a URL', async () => {
    await expect(submit(['w', '--endpoint', 'not a url', '--unsigned'], captureIo())).rejects.toThrow(
      /--endpoint/,
    );
  });

  it('fails clearly when nothing listens at the endpoint', async () => {
    await expect(
      submit(['w', '--endpoint', 'http://127.0.0.1:9', '--unsigned'], captureIo()),
    ).rejects.toThrow(/cannot reach http:\/\/127.0.0.1:9/);
  });
});

describe('regionOfEndpoint', () => {
  it.each([
    ['https://abc123.execute-api.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod', 'cn-north-1'],
    ['https://api.example.com', undefined],
  ])('%s -> %s', (endpoint, region) => {
    expect(regionOfEndpoint(endpoint)).toBe(region);
  });
});
