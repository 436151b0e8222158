import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFolder } from './support/databases.js';
import { startCli, type CliProcess } from './support/run-cli.js';

/**
 * Issue 21: `querygate serve` answers loopback clients only. A page of another site cannot reach
 * it through a name that resolves to 127.0.0.1 (DNS rebinding: its Host is not loopback), nor
 * write through the browser of whoever runs it (CSRF: a foreign Origin, or a form's text/plain
 * body); and a client that sends slowly or opens many connections cannot hold the server.
 */

let serve: CliProcess;
let port = 0;

beforeAll(async () => {
  serve = startCli(['serve', '--db', 'sqlite', '--profile', 'small', '--port', '0'], { QUERYGATE_CACHE_DIR: testFolder('safe-serve-cache') });
  port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    serve.child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (listening) resolve(Number(listening[1]));
    });
    void serve.exited.then((exit) => reject(new Error(`serve exited ${exit.code}: ${exit.stderr}`)));
  });
}, 120_000);

afterAll(async () => {
  serve.child.kill('SIGTERM');
  await serve.exited;
});

interface Answer {
  status: number;
  body: string;
}

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const LIST = '/api/v1/artifacts?limit=1';
const NO_COLLECTION = `/api/v1/collections/${'0'.repeat(32)}/artifacts`;
const JSON_BODY = JSON.stringify({ artifact_id: 'skill:left-pad' });
const loopback = () => `127.0.0.1:${port}`;

describe('querygate serve on a shared machine', () => {
  it('answers loopback names with the actual port', async () => {
    for (const host of [loopback(), `localhost:${port}`, `[::1]:${port}`]) {
      const answer = await send('GET', LIST, { host });
      expect(answer.status, `${host}: ${answer.body}`).toBe(200);
    }
  });

  it.each([['a foreign name', () => `attacker.example:${port}`], ['another port', () => `127.0.0.1:${port + 1}`], ['no port', () => '127.0.0.1']])(
    'refuses a Host of %s (421), before the endpoint runs',
    async (_name, host) => {
      const answer = await send('GET', LIST, { host: host() });
      expect(answer.status, answer.body).toBe(421);
      expect(JSON.parse(answer.body)).toMatchObject({ detail: expect.stringMatching(/Host/) });
    },
  );

  it('refuses a write from a foreign Origin (403)', async () => {
    const post = await send('POST', NO_COLLECTION, { host: loopback(), origin: 'http://attacker.example', 'content-type': 'application/json' }, JSON_BODY);
    expect(post.status, post.body).toBe(403);
    const remove = await send('DELETE', `${NO_COLLECTION}/skill%3Aleft-pad`, { host: loopback(), origin: 'null' });
    expect(remove.status, remove.body).toBe(403);
  });

  it('refuses a write whose body is not application/json (415)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await send('POST', NO_COLLECTION, { host: loopback(), 'content-type': type }, JSON_BODY);
      expect(answer.status, `${type}: ${answer.body}`).toBe(415);
    }
  });

  it('lets loopback writes through to the endpoint (404: no such collection)', async () => {
    const json = { host: loopback(), 'content-type': 'application/json' };
    expect((await send('POST', NO_COLLECTION, json, JSON_BODY)).status).toBe(404);
    expect((await send('POST', NO_COLLECTION, { ...json, origin: `http://localhost:${port}` }, JSON_BODY)).status).toBe(404);
    expect((await send('DELETE', `${NO_COLLECTION}/skill%3Aleft-pad`, { host: loopback() })).status).toBe(404);
  });

  it('closes a connection whose headers do not arrive within 10 s', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.write(`GET ${LIST} HTTP/1.1\r\nHost: ${loopback()}\r\n`); // never ends its headers
    const started = performance.now();
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 25_000);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.on('error', () => undefined);
    });
    socket.destroy();
    expect(closed).toBe(true);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  }, 30_000);

  it('holds at most 64 connections at once', async () => {
    const open = async (): Promise<Socket> => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      return socket;
    };
    const held = await Promise.all(Array.from({ length: 64 }, open));
    try {
      // Let the server accept all 64 before the next one knocks.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const extra = await open();
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        extra.on('data', (chunk: Buffer) => (text += chunk.toString()));
        extra.on('close', () => resolve(text));
        extra.write(`GET ${LIST} HTTP/1.1\r\nHost: ${loopback()}\r\nConnection: close\r\n\r\n`);
      });
      expect(answer).toBe('');
    } finally {
      for (const socket of held) socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await send('GET', LIST, { host: loopback() })).status).toBe(200);
  });
});
