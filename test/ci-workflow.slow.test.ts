import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/run-cli.js';
import { workflowSteps, type WorkflowStep } from './support/workflow-steps.js';

/**
 * Runs the `run:` steps of .github/workflows/querygate.yml in temporary clones, as GitHub would on a
 * push to main and then on a pull request, so that the file does not rot. `npm ci` and `npm test`
 * are not run again (this suite is part of them; the clones borrow this checkout's node_modules),
 * and the runs are small: QUERYGATE_ARGS="--quick --profile small --db sqlite".
 */
const WORKFLOW = join(ROOT, '.github', 'workflows', 'querygate.yml');
const steps = workflowSteps(readFileSync(WORKFLOW, 'utf8'));
const SKIPPED = new Set(['npm ci', 'npm test']);

function condition(step: WorkflowStep, event: string): boolean {
  if (step.if === undefined || step.if === 'always()') return true;
  const match = /^github\.event_name == '(\w+)'$/.exec(step.if);
  if (match === null) throw new Error(`the local test does not understand if: ${step.if}`);
  return match[1] === event;
}

interface StepRun {
  name: string;
  status: number | null;
  output: string;
}

const work = mkdtempSync(join(tmpdir(), 'qg-workflow-'));
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

function clone(name: string, branch: string): string {
  const dir = join(work, name);
  git(work, 'clone', '-q', '--branch', branch, join(work, 'origin.git'), dir);
  git(dir, 'config', 'user.email', 'test@querygate.invalid');
  git(dir, 'config', 'user.name', 'querygate test');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function runJob(dir: string, event: string, env: NodeJS.ProcessEnv): StepRun[] {
  const runs: StepRun[] = [];
  for (const step of steps) {
    if (step.run === undefined || SKIPPED.has(step.run) || !condition(step, event)) continue;
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...inherited, CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: event, QUERYGATE_ARGS: '--quick --profile small --db sqlite', ...env },
      timeout: 300_000,
    });
    runs.push({ name: step.name, status: result.status, output: `${result.stdout}\n${result.stderr}` });
    if (result.status !== 0) break;
  }
  return runs;
}

const show = (runs: StepRun[]) => runs.map((r) => `--- ${r.name}: exit ${r.status}\n${r.output}`).join('\n');

describe('the CI workflow, run locally', () => {
  let mainSha: string;
  let push: StepRun[];
  let pr: StepRun[];
  let prSummary: string;
  let prDir: string;

  beforeAll(() => {
    // origin: main at this checkout's HEAD, without this repository's notes.
    git(work, 'clone', '-q', '--bare', ROOT, join(work, 'origin.git'));
    mainSha = git(ROOT, 'rev-parse', 'HEAD');
    git(join(work, 'origin.git'), 'branch', '-f', 'main', mainSha);
    const cache = process.env.QUERYGATE_CACHE_DIR ?? join(work, 'cache');

    const mainDir = clone('push', 'main');
    const pushSummary = join(work, 'push-summary.md');
    push = runJob(mainDir, 'push', { GITHUB_SHA: mainSha, GITHUB_REF_NAME: 'main', GITHUB_STEP_SUMMARY: pushSummary, QUERYGATE_CACHE_DIR: cache });

    prDir = clone('pr', 'main');
    git(prDir, 'checkout', '-q', '-b', 'feature');
    writeFileSync(join(prDir, 'CHANGE.md'), 'a pull request\n');
    git(prDir, 'add', 'CHANGE.md');
    git(prDir, 'commit', '-q', '-m', 'a pull request');
    const summary = join(work, 'pr-summary.md');
    pr = runJob(prDir, 'pull_request', {
      GITHUB_SHA: git(prDir, 'rev-parse', 'HEAD'),
      GITHUB_BASE_REF: 'main',
      GITHUB_HEAD_REF: 'feature',
      GITHUB_STEP_SUMMARY: summary,
      QUERYGATE_CACHE_DIR: cache,
    });
    prSummary = existsSync(summary) ? readFileSync(summary, 'utf8') : '';
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('has the steps the README describes', () => {
    const runs = steps.map((s) => s.run ?? '');
    expect(runs).toContain('npm ci');
    expect(runs).toContain('npm test');
    expect(runs.some((r) => r.includes('querygate run --against'))).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith('actions/upload-artifact') === true)).toBe(true);
  });

  it('on a push to main: runs, attaches the notes and pushes them to origin', () => {
    expect(push.every((r) => r.status === 0), show(push)).toBe(true);
    expect(push.map((r) => r.name)).toEqual(['Fetch the result notes', 'Measure and attach the result to the commit', 'Push the notes', 'History in the step summary']);
    const notes = git(join(work, 'origin.git'), 'notes', '--ref=querygate-results', 'list');
    expect(notes).toContain(mainSha);
  });

  it('on a pull request: measures against the merge base, fills the step summary and the artifact folder', () => {
    expect(pr.every((r) => r.status === 0), show(pr)).toBe(true);
    expect(pr.map((r) => r.name)).toEqual(['Fetch the result notes', 'Measure against the merge base']);
    expect(pr[1]?.output).toContain(`merge base: ${mainSha}`);
    expect(prSummary).toMatch(/verdict|Gates|gate/i);
    // The run measured the merge base's code beside the pull request's, side by side.
    const result = JSON.parse(readFileSync(join(prDir, 'reports', 'out', 'latest', 'result.json'), 'utf8')) as { against?: { sha: string } };
    expect(result.against?.sha).toBe(mainSha);
    expect(existsSync(join(prDir, 'reports', 'out', 'latest', 'result.json'))).toBe(true);
  });
});
