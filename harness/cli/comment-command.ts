import { readFileSync } from 'node:fs';
import { renderSummary } from '../../reports/summary-report.js';
import { EnvironmentError, UsageError } from '../core/errors.js';
import { readResultFile } from '../core/read-result-file.js';
import { rejudge } from '../judge/judge-run.js';
import { EXIT } from './exit-codes.js';

/**
 * `querygate comment`: the run's summary form as one pull-request comment, updated in place on
 * every push (found again by its marker), through GitHub's REST API. The token comes from the
 * environment only, never from a flag (flags reach process listings and logs).
 */

/** What marks querygate's own comment among a pull request's comments. */
export const COMMENT_MARKER = '<!-- querygate:summary -->';

export interface CommentArgs {
  result: string;
  pr?: number | undefined;
  repo?: string | undefined;
  'report-url'?: string | undefined;
  /** Refuse unless the pull request's head is this commit (a workflow_run that comments for a fork's run). */
  'head-sha'?: string | undefined;
}

interface GitHub {
  api: string;
  token: string;
  repo: string;
}

/** Posts or updates the comment; 0 once GitHub has it, whatever the run's verdict (the run's own job carries that). */
export async function commentCommand(args: CommentArgs, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const github = githubOf(args, env);
  const pr = pullRequestOf(args, env);
  const { result } = rejudge(await readResultFile(args.result));
  const body = `${COMMENT_MARKER}\n${renderSummary(result, { fullReport: fullReportLink(args['report-url']) })}`;
  if (args['head-sha'] !== undefined) await checkHead(github, pr, args['head-sha']);
  const existing = await findComment(github, pr);
  if (existing === null) await call(github, 'POST', `/repos/${github.repo}/issues/${pr}/comments`, { body });
  else await call(github, 'PATCH', `/repos/${github.repo}/issues/comments/${existing}`, { body });
  process.stdout.write(`querygate: ${existing === null ? 'commented on' : 'updated the comment on'} ${github.repo}#${pr}\n`);
  return EXIT.pass;
}

function githubOf(args: CommentArgs, env: NodeJS.ProcessEnv): GitHub {
  const token = env['GITHUB_TOKEN'];
  if (token === undefined || token === '') throw new UsageError('comment needs GITHUB_TOKEN in the environment (a token that may write pull-request comments)');
  const repo = args.repo ?? env['GITHUB_REPOSITORY'];
  if (repo === undefined || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) throw new UsageError(`comment needs --repo OWNER/NAME or GITHUB_REPOSITORY; got ${JSON.stringify(repo ?? '')}`);
  const api = (env['GITHUB_API_URL'] ?? 'https://api.github.com').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(api)) throw new UsageError(`GITHUB_API_URL must be an http(s) URL; got ${JSON.stringify(api)}`);
  return { api, token, repo };
}

/** --pr, else the pull request of the event that started the job. */
function pullRequestOf(args: CommentArgs, env: NodeJS.ProcessEnv): number {
  let pr = args.pr;
  const eventPath = env['GITHUB_EVENT_PATH'];
  if (pr === undefined && eventPath !== undefined && eventPath !== '') {
    try {
      pr = (JSON.parse(readFileSync(eventPath, 'utf8')) as { pull_request?: { number?: number } }).pull_request?.number;
    } catch {
      pr = undefined;
    }
  }
  if (pr === undefined || !Number.isSafeInteger(pr) || pr <= 0) throw new UsageError('comment needs --pr N (a pull request number) or a pull_request event in GITHUB_EVENT_PATH');
  return pr;
}

function fullReportLink(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (!/^https:\/\/[^\s()<>]+$/.test(url)) throw new UsageError(`--report-url must be an https URL without spaces or brackets; got ${JSON.stringify(url)}`);
  return `[report.md in the run's artifact](${url})`;
}

/** A fork's pull request may have moved on since its run: never comment one run's figures on another commit. */
async function checkHead(github: GitHub, pr: number, sha: string): Promise<void> {
  const pull = (await call(github, 'GET', `/repos/${github.repo}/pulls/${pr}`)) as { head?: { sha?: string } };
  if (pull.head?.sha !== sha) throw new UsageError(`pull request #${pr} is at ${pull.head?.sha ?? 'an unknown commit'}, not ${sha}: not commenting another commit's run`);
}

/** The id of querygate's earlier comment on the pull request, if any (every page read). */
async function findComment(github: GitHub, pr: number): Promise<number | null> {
  for (let page = 1; page <= 50; page++) {
    const comments = (await call(github, 'GET', `/repos/${github.repo}/issues/${pr}/comments?per_page=100&page=${page}`)) as { id: number; body?: string }[];
    const ours = comments.find((c) => c.body?.startsWith(COMMENT_MARKER) === true);
    if (ours !== undefined) return ours.id;
    if (comments.length < 100) return null;
  }
  return null;
}

async function call(github: GitHub, method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${github.api}${path}`, {
      method,
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${github.token}`,
        'X-GitHub-Api-Version': '2022-11-28',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new EnvironmentError(`GitHub API ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  if (!response.ok) throw new EnvironmentError(`GitHub API ${method} ${path} answered ${response.status}: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
  try {
    return text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    throw new EnvironmentError(`GitHub API ${method} ${path} answered ${response.status} with something that is not JSON`);
  }
}
