import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMENT_MARKER } from '../harness/cli/comment-command.js';
import { FakeGitHub } from './support/fake-github.js';
import { ROOT } from './support/run-cli.js';
import { conditionHolds, readWorkflow, substitute, type ExpressionContext, type Workflow, type WorkflowJob, type WorkflowStep } from './support/workflow-steps.js';

/**
 * Runs the `run:` steps of .github/workflows/querygate.yml in temporary clones, as GitHub would on a
 * push to main and then on a pull request, and the fork's comment of querygate-comment.yml after it,
 * so that the files do not rot. The clones hold this checkout's HEAD (the workflow files are read
 * from the working tree). `npm ci` and `npm test` are not run again (this suite is part of them;
 * the clones borrow this checkout's node_modules); actions (`uses:`) are skipped, but for the
 * artifact download, which copies the pull request's reports/out. The runs are small
 * (vars.QUERYGATE_ARGS: --quick --profile small --db sqlite), and GitHub's API is a fake on loopback.
 */
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const querygate = readWorkflow(readFileSync(join(WORKFLOWS, 'querygate.yml'), 'utf8'));
const forkComment = readWorkflow(readFileSync(join(WORKFLOWS, 'querygate-comment.yml'), 'utf8'));
const SKIPPED = new Set(['npm ci', 'npm test']);
const REPO = 'acme/shop';
const FORK = 'someone/shop';
const TOKEN = 'secret-token';
const RUN_ID = '4242';
const SMALL_RUN = '--quick --profile small --db sqlite';

interface StepRun {
  name: string;
  status: number | null;
  output: string;
}

const work = mkdtempSync(join(tmpdir(), 'qg-workflow-'));
const origin = join(work, 'origin.git');
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

function clone(name: string, branch: string): string {
  const dir = join(work, name);
  git(work, 'clone', '-q', '--branch', branch, origin, dir);
  git(dir, 'config', 'user.email', 'test@querygate.invalid');
  git(dir, 'config', 'user.name', 'querygate test');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** The jobs of a workflow whose `if:` holds in these contexts. */
const jobsFor = (workflow: Workflow, contexts: Record<string, unknown>): string[] => workflow.jobs.filter((job) => conditionHolds(job.if, { contexts })).map((job) => job.id);

function job(workflow: Workflow, id: string): WorkflowJob {
  const found = workflow.jobs.find((j) => j.id === id);
  if (found === undefined) throw new Error(`no job ${id}`);
  return found;
}

interface JobOptions {
  contexts: Record<string, unknown>;
  /** The runner's own variables (GITHUB_*), beside the workflow's, the job's and each step's env:. */
  env: NodeJS.ProcessEnv;
  /** What an action does here, by its name before the @; actions not named are skipped. */
  actions?: Record<string, (step: WorkflowStep, expression: ExpressionContext) => void>;
}

/** Runs a job's `run:` steps as the runner would: in order, each under its `if:`, with env: values substituted; `${{ }}` in a script throws. */
async function runJob(workflow: Workflow, jobId: string, dir: string, options: JobOptions): Promise<StepRun[]> {
  const runs: StepRun[] = [];
  const { contexts } = options;
  const expression = (failed: boolean): ExpressionContext => ({ contexts, failed, exists: (path) => existsSync(join(dir, path)) });
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'DATABASE_URL' && !key.startsWith('GITHUB_')));
  const envOf = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).map(([key, value]) => [key, substitute(value, expression(false))]));
  const { env: jobEnv, steps } = job(workflow, jobId);
  let failed = false;
  for (const step of steps) {
    if (!conditionHolds(step.if, expression(failed))) continue;
    if (step.uses !== undefined) {
      options.actions?.[step.uses.split('@')[0] as string]?.(step, expression(failed));
      continue;
    }
    if (step.run === undefined || SKIPPED.has(step.run)) continue;
    if (step.run.includes('${{')) throw new Error(`${step.name}: \${{ }} in a script`);
    const env = { ...inherited, CI: 'true', GITHUB_ACTIONS: 'true', ...options.env, ...envOf(workflow.env), ...envOf(jobEnv), ...envOf(step.env) };
    const run = await bash(step.run, dir, env);
    runs.push({ name: step.name, ...run });
    if (run.status !== 0) failed = true;
  }
  return runs;
}

/** bash as the runner calls it, without blocking this process (the fake GitHub answers from it). */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

const show = (runs: StepRun[]) => runs.map((r) => `--- ${r.name}: exit ${r.status}\n${r.output}`).join('\n');

/** The contexts of a pull_request event of pull request 7, from `headRepo`. */
function pullRequestContexts(headSha: string, headRepo: string, temp: string): Record<string, unknown> {
  return {
    github: { event_name: 'pull_request', repository: REPO, actor: 'octocat', event: { pull_request: { number: 7, head: { sha: headSha, repo: { full_name: headRepo } } } } },
    vars: { QUERYGATE_ARGS: SMALL_RUN },
    secrets: { GITHUB_TOKEN: TOKEN },
    runner: { temp },
  };
}

/** The contexts of querygate-comment.yml after a querygate run of `event` from `headRepo`. */
function workflowRunContexts(event: string, headSha: string, headRepo: string, temp: string): Record<string, unknown> {
  return {
    github: { event_name: 'workflow_run', repository: REPO, actor: 'octocat', event: { workflow_run: { id: Number(RUN_ID), event, head_sha: headSha, head_repository: { full_name: headRepo } } } },
    secrets: { GITHUB_TOKEN: TOKEN },
    runner: { temp },
  };
}

describe('the CI workflows, run locally', () => {
  const github = new FakeGitHub(REPO, TOKEN);
  let api: string;
  let mainSha: string;
  let push: StepRun[];
  let pr: StepRun[];
  let prSummary: string;
  let prDir: string;
  let prHead: string;
  let runnerEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    api = await github.start();
    runnerEnv = { GITHUB_API_URL: api, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: REPO, GITHUB_RUN_ID: RUN_ID };
    // origin: main at this checkout's HEAD, without this repository's notes.
    git(work, 'clone', '-q', '--bare', ROOT, origin);
    mainSha = git(ROOT, 'rev-parse', 'HEAD');
    git(origin, 'branch', '-f', 'main', mainSha);
    const cache = process.env.QUERYGATE_CACHE_DIR ?? join(work, 'cache');

    const mainDir = clone('push', 'main');
    const pushSummary = join(work, 'push-summary.md');
    push = await runJob(querygate, 'main', mainDir, {
      contexts: { github: { event_name: 'push', repository: REPO, actor: 'octocat' }, vars: { QUERYGATE_ARGS: SMALL_RUN }, secrets: { GITHUB_TOKEN: TOKEN }, runner: { temp: work } },
      env: { ...runnerEnv, GITHUB_EVENT_NAME: 'push', GITHUB_SHA: mainSha, GITHUB_REF_NAME: 'main', GITHUB_STEP_SUMMARY: pushSummary, QUERYGATE_CACHE_DIR: cache },
    });

    prDir = clone('pr', 'main');
    git(prDir, 'checkout', '-q', '-b', 'feature');
    writeFileSync(join(prDir, 'CHANGE.md'), 'a pull request\n');
    git(prDir, 'add', 'CHANGE.md');
    git(prDir, 'commit', '-q', '-m', 'a pull request');
    prHead = git(prDir, 'rev-parse', 'HEAD');
    github.heads.set(7, prHead);
    const contexts = pullRequestContexts(prHead, REPO, work);
    const event = join(work, 'pull-request-event.json');
    writeFileSync(event, JSON.stringify((contexts['github'] as { event: unknown }).event));
    const summary = join(work, 'pr-summary.md');
    pr = await runJob(querygate, 'pull-request', prDir, {
      contexts,
      env: { ...runnerEnv, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_SHA: prHead, GITHUB_BASE_REF: 'main', GITHUB_HEAD_REF: 'feature', GITHUB_STEP_SUMMARY: summary, QUERYGATE_CACHE_DIR: cache },
    });
    prSummary = existsSync(summary) ? readFileSync(summary, 'utf8') : '';
  });
  afterAll(async () => {
    await github.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('has the steps the README describes, one job per event', () => {
    const runs = (id: string) => job(querygate, id).steps.map((s) => s.run ?? '');
    for (const id of ['pull-request', 'main']) {
      expect(runs(id)).toContain('npm ci');
      expect(runs(id)).toContain('npm test');
      expect(job(querygate, id).steps.some((s) => s.uses?.startsWith('actions/upload-artifact@') === true)).toBe(true);
    }
    expect(runs('pull-request').some((r) => r.includes('querygate run --against'))).toBe(true);
    expect(runs('pull-request').some((r) => r.includes('querygate comment'))).toBe(true);
    expect(jobsFor(querygate, { github: { event_name: 'pull_request' } })).toEqual(['pull-request']);
    expect(jobsFor(querygate, { github: { event_name: 'push' } })).toEqual(['main']);
  });

  it('on a push to main: runs, attaches the notes and pushes them to origin', () => {
    expect(push.every((r) => r.status === 0), show(push)).toBe(true);
    expect(push.map((r) => r.name)).toEqual(['Fetch the result notes', 'Measure and attach the result to the commit', 'Push the notes', 'History in the step summary']);
    const notes = git(origin, 'notes', '--ref=querygate-results', 'list');
    expect(notes).toContain(mainSha);
  });

  it('on a pull request: measures against the merge base, fills the step summary and the artifact folder', () => {
    expect(pr.every((r) => r.status === 0), show(pr)).toBe(true);
    expect(pr.map((r) => r.name)).toEqual(['Fetch the result notes', 'Measure against the merge base', 'Name the pull request in the artifact', 'Comment on the pull request']);
    expect(pr[1]?.output).toContain(`merge base: ${mainSha}`);
    expect(prSummary).toMatch(/verdict|Gates|gate/i);
    // The run measured the merge base's code beside the pull request's, side by side.
    const result = JSON.parse(readFileSync(join(prDir, 'reports', 'out', 'latest', 'result.json'), 'utf8')) as { against?: { sha: string } };
    expect(result.against?.sha).toBe(mainSha);
    // Where querygate-comment.yml will comment for a fork.
    expect(JSON.parse(readFileSync(join(prDir, 'reports', 'out', 'pr.json'), 'utf8'))).toEqual({ number: 7, head_sha: prHead });
  });

  it("on a pull request: comments the summary once, with the token of the comment step's env", () => {
    const ours = github.comments.filter((c) => c.issue === 7 && c.body.startsWith(`${COMMENT_MARKER}\n`));
    expect(ours, show(pr)).toHaveLength(1);
    const body = ours[0]!.body;
    expect(body.split('\n')[1]).toMatch(/^## querygate: (PASS|FAIL|NO VERDICT)$/);
    expect(body).toMatch(/^\| scenario +\| database +\|/m);
    expect(body).toContain(`(https://github.com/${REPO}/actions/runs/${RUN_ID})`);
    expect(github.calls.every((c) => c.auth === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("on a pull request from a fork: the job does not comment (its token cannot); querygate-comment.yml's job runs instead", () => {
    const comment = job(querygate, 'pull-request').steps.find((s) => s.run?.includes('querygate comment') === true);
    const exists = () => true;
    expect(conditionHolds(comment?.if, { contexts: pullRequestContexts(prHead, REPO, work), exists })).toBe(true);
    expect(conditionHolds(comment?.if, { contexts: pullRequestContexts(prHead, FORK, work), exists })).toBe(false);
    expect(conditionHolds(comment?.if, { contexts: pullRequestContexts(prHead, REPO, work), exists, failed: true }), 'also after a failed run').toBe(true);
    expect(conditionHolds(comment?.if, { contexts: pullRequestContexts(prHead, REPO, work), exists: () => false }), 'not without a result').toBe(false);
    expect(jobsFor(forkComment, workflowRunContexts('pull_request', prHead, FORK, work))).toEqual(['comment']);
    expect(jobsFor(forkComment, workflowRunContexts('pull_request', prHead, REPO, work))).toEqual([]);
    expect(jobsFor(forkComment, workflowRunContexts('push', prHead, FORK, work))).toEqual([]);
  });

  describe("querygate-comment.yml, for a fork's pull request", () => {
    let dir: string;
    let artifact: string;
    /** Runs the comment job with the pull request's reports/out as the downloaded artifact, `tamper` applied to it first. */
    async function commentJob(name: string, headSha: string, tamper: (artifact: string) => void = () => {}): Promise<StepRun[]> {
      const temp = join(work, `runner-temp-${name}`);
      mkdirSync(temp);
      return runJob(forkComment, 'comment', dir, {
        contexts: workflowRunContexts('pull_request', headSha, FORK, temp),
        env: { ...runnerEnv, GITHUB_EVENT_NAME: 'workflow_run' },
        actions: {
          'actions/download-artifact': (step, expression) => {
            expect(step.with['run-id']).toBe('${{ github.event.workflow_run.id }}');
            artifact = substitute(step.with['path'] ?? '', expression);
            mkdirSync(artifact, { recursive: true });
            // upload-artifact leaves out hidden files (reports/out/.revisions).
            for (const entry of readdirSync(join(prDir, 'reports', 'out')).filter((e) => !e.startsWith('.'))) cpSync(join(prDir, 'reports', 'out', entry), join(artifact, entry), { recursive: true });
            tamper(artifact);
          },
        },
      });
    }

    beforeAll(() => {
      dir = clone('fork-comment', 'main');
    });

    it('comments the run of the pull request head from its artifact, updating the comment in place', async () => {
      const before = github.calls.length;
      const runs = await commentJob('fork', prHead);
      expect(runs.map((r) => `${r.name}: ${r.status}`), show(runs)).toEqual(['Comment on the pull request: 0']);
      const calls = github.calls.slice(before).map((c) => `${c.method} ${c.path}`);
      expect(calls).toEqual([`GET /repos/${REPO}/pulls/7`, `GET /repos/${REPO}/issues/7/comments`, `PATCH /repos/${REPO}/issues/comments/${github.comments[0]?.id}`]);
      expect(github.comments.filter((c) => c.body.startsWith(COMMENT_MARKER))).toHaveLength(1);
      expect(artifact.startsWith(dir)).toBe(false);
    });

    it('refuses a pull request number that is not digits, and a run of another commit than the head, posting nothing', async () => {
      const before = github.calls.length;
      const injected = await commentJob('injected', prHead, (a) => writeFileSync(join(a, 'pr.json'), JSON.stringify({ number: '7 --repo evil/repo', head_sha: prHead })));
      expect(injected.map((r) => r.status)).toEqual([1]);
      expect(injected[0]?.output).toMatch(/names no pull request number/);
      const stale = await commentJob('stale', 'b'.repeat(40));
      expect(stale.map((r) => r.status)).toEqual([2]);
      expect(stale[0]?.output).toMatch(/not commenting another commit's run/);
      expect(github.calls.slice(before).filter((c) => c.method !== 'GET')).toEqual([]);
    });
  });
});
