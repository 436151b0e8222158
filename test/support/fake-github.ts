import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * GitHub's REST API on loopback, as far as `querygate comment` uses it: a pull request's head, and
 * its issue comments (listed in pages, posted, edited), for one repository and one token; with
 * every call it was asked.
 */
export class FakeGitHub {
  comments: { id: number; issue: number; body: string }[] = [];
  /** Pull request number -> its head commit. */
  heads = new Map<number, string>();
  calls: { method: string; path: string; auth: string | undefined }[] = [];
  private server: Server | null = null;
  private nextId = 1000;

  constructor(
    readonly repo: string,
    readonly token: string,
  ) {}

  /** Listens on a free loopback port; returns the base URL to give as GITHUB_API_URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.answer(req).then(([status, body]) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server === null ? resolve() : this.server.close(() => resolve())));
  }

  private async answer(req: IncomingMessage): Promise<[number, unknown]> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const url = new URL(req.url ?? '/', 'http://x');
    this.calls.push({ method: req.method ?? '', path: url.pathname, auth: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${this.token}`) return [401, { message: 'Bad credentials' }];
    if (!url.pathname.startsWith(`/repos/${this.repo}/`)) return [404, { message: 'Not Found' }];
    const path = url.pathname.slice(`/repos/${this.repo}`.length);
    const body = () => (JSON.parse(text) as { body: string }).body;
    const pull = /^\/pulls\/(\d+)$/.exec(path);
    if (req.method === 'GET' && pull !== null && this.heads.has(Number(pull[1]))) return [200, { number: Number(pull[1]), head: { sha: this.heads.get(Number(pull[1])) } }];
    const issue = /^\/issues\/(\d+)\/comments$/.exec(path);
    if (req.method === 'GET' && issue !== null) {
      const [page, size] = [Number(url.searchParams.get('page') ?? '1'), Number(url.searchParams.get('per_page') ?? '30')];
      return [200, this.comments.filter((c) => c.issue === Number(issue[1])).slice((page - 1) * size, page * size)];
    }
    if (req.method === 'POST' && issue !== null) {
      const comment = { id: this.nextId++, issue: Number(issue[1]), body: body() };
      this.comments.push(comment);
      return [201, comment];
    }
    const patch = /^\/issues\/comments\/(\d+)$/.exec(path);
    const existing = this.comments.find((c) => c.id === Number(patch?.[1]));
    if (req.method === 'PATCH' && existing !== undefined) {
      existing.body = body();
      return [200, existing];
    }
    return [404, { message: 'Not Found' }];
  }
}
