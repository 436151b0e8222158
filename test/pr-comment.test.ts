import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Lexer, type Tokens } from 'marked';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMENT_MARKER } from '../harness/cli/comment-command.js';
import { FakeGitHub } from './support/fake-github.js';

const BIN = fileURLToPath(new URL('../bin/querygate.js', import.meta.url));
const RESULT = fileURLToPath(new URL('./fixtures/real-result.sqlite.json', import.meta.url));

function comment(api: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'comment', RESULT, '--pr', '7', ...extra],
      { env: { ...process.env, GITHUB_TOKEN: 'secret-token', GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: api, ...env } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr }),
    );
  });
}

describe('querygate comment: one pull-request comment, updated in place', () => {
  let github: FakeGitHub;
  let api: string;
  beforeEach(async () => {
    github = new FakeGitHub('acme/shop', 'secret-token');
    github.heads.set(7, 'a'.repeat(40));
    api = await github.start();
  });
  afterEach(() => github.stop());

  it('posts the summary once, then updates that comment on the next push instead of adding another', async () => {
    github.comments.push({ id: 1, issue: 7, body: 'LGTM' });
    const first = await comment(api);
    expect(first.code, first.stderr).toBe(0);
    const second = await comment(api, ['--report-url', 'https://github.com/acme/shop/actions/runs/1']);
    expect(second.code, second.stderr).toBe(0);
    const ours = github.comments.filter((c) => c.body.startsWith(COMMENT_MARKER));
    expect(ours).toHaveLength(1);
    expect(github.comments).toHaveLength(2);
    expect(github.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(github.calls.filter((c) => c.method === 'PATCH')).toHaveLength(1);
    // The body is markdown GitHub renders: the verdict heading first, the matrix, the link to the full report.
    const body = ours[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    const tokens = new Lexer({ gfm: true }).lex(body);
    const heading = tokens.find((t): t is Tokens.Heading => t.type === 'heading');
    expect(heading?.text).toBe('querygate: PASS');
    expect(tokens.some((t) => t.type === 'table')).toBe(true);
    expect(body).toContain('[report.md in the run\'s artifact](https://github.com/acme/shop/actions/runs/1)');
  });

  it('finds its own comment on a later page among many others', async () => {
    for (let i = 0; i < 130; i++) github.comments.push({ id: i + 1, issue: 7, body: `comment ${i}` });
    github.comments.splice(115, 0, { id: 999, issue: 7, body: `${COMMENT_MARKER}\nold` });
    const run = await comment(api);
    expect(run.code, run.stderr).toBe(0);
    expect(github.comments.find((c) => c.id === 999)?.body).toContain('querygate: PASS');
    expect(github.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('refuses to comment a run of another commit than the pull request head (exit 2), and posts nothing', async () => {
    const run = await comment(api, ['--head-sha', 'b'.repeat(40)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/pull request #7 is at a{40}, not b{40}/);
    expect(github.comments).toHaveLength(0);
  });

  it('needs a token from the environment (exit 2), and names GitHub\'s refusal in one line (exit 3)', async () => {
    const noToken = await comment(api, [], { GITHUB_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/GITHUB_TOKEN/);
    const refused = await comment(api, [], { GITHUB_TOKEN: 'wrong' });
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim().split('\n')[0]).toMatch(/answered 401: .*Bad credentials/);
    expect(refused.stderr).not.toContain('wrong');
    expect(github.comments).toHaveLength(0);
  });
});
