import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMENT_MARKER } from '../harness/cli/comment-command.js';
import { readResultFile } from '../harness/core/read-result-file.js';
import { renderSummary } from '../reports/summary-report.js';
import { conditionHolds, readWorkflow, workflowEvents, type ExpressionContext, type WorkflowJob } from './support/workflow-steps.js';

/**
 * The README is a guide of at most 250 lines whose links resolve and whose claims about the CI
 * workflows hold against .github/workflows/; every table in docs/ says which command
 * reproduces it and when it was measured. What the README claims is read from the README, and the
 * workflow from its file, so either may change as long as they agree.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const MAX_README_LINES = 250;

const read = (path: string) => readFileSync(path, 'utf8');
const docFiles = readdirSync(DOCS)
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(DOCS, name));
const markdownFiles = [README, ...docFiles];
const shown = (path: string) => relative(ROOT, path);

/** The lines of a markdown file with fenced code blocks blanked out (their `#` and `|` are not markdown). */
function proseLines(text: string): string[] {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, each space a hyphen. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(path: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(read(path))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const base = slug(heading[1] as string);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative links `[text](target)` outside code, with the line they are on. */
function relativeLinks(path: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  proseLines(read(path)).forEach((line, i) => {
    const withoutCode = line.replace(/`[^`]*`/g, '');
    for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      links.push({ target, line: i + 1 });
    }
  });
  return links;
}

/** Markdown tables outside code: the index of their first line. */
function tableStarts(lines: readonly string[]): number[] {
  const starts: number[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const isRow = (l: string | undefined) => l !== undefined && l.trim().startsWith('|');
    if (isRow(lines[i]) && !isRow(lines[i - 1]) && /^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/.test(lines[i + 1] as string)) starts.push(i);
  }
  return starts;
}

/** A command that reproduces a figure, as docs/ write it. */
const COMMAND = /`(?:npm run [\w:.-]+|(?:npx )?querygate [a-z]+|node bin\/querygate\.js [a-z]+)[^`]*`/;
const DATE = /\b(\d{4})-(\d{2})-(\d{2})\b/;

function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (m === null) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The text of a `## Heading` section of the README, up to the next `## `. */
function readmeSection(heading: string): string {
  const text = read(README);
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

const codeSpans = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => (m[1] as string).replace(/\s+/g, ' ').trim());
/** Code spans that are shell commands a workflow step would run. */
const shellSpans = (text: string): string[] => codeSpans(text).filter((span) => /^(?:(?:git|npm|npx|node|bash|printf)\b|base=)/.test(span));
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** GitHub's permission scopes: the `key: value` code spans of the README that are permissions. */
const PERMISSION_SCOPES = new Set(['actions', 'attestations', 'checks', 'contents', 'deployments', 'discussions', 'id-token', 'issues', 'models', 'packages', 'pages', 'pull-requests', 'repository-projects', 'security-events', 'statuses']);
const permissionSpans = (text: string): string[] => codeSpans(text).filter((span) => PERMISSION_SCOPES.has(span.split(':')[0] as string) && /^[\w-]+: [\w-]+$/.test(span));

/** Whether `run` holds a command the README quotes; `…` in the quote stands for any text. */
function describes(run: string, command: string): boolean {
  const script = squash(run);
  let at = 0;
  for (const part of command.split('…').map((p) => p.trim()).filter((p) => p !== '')) {
    const found = script.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return true;
}

/** The contexts of an event as far as the workflows' conditions read them: a pull request from this repository or a fork. */
function eventContext(event: 'pull_request' | 'push', options: { fromFork?: boolean; failed?: boolean; resultExists?: boolean; actor?: string } = {}): ExpressionContext {
  const pullRequest = { number: 7, head: { sha: 'a'.repeat(40), repo: { full_name: options.fromFork === true ? 'someone/fork' : 'acme/shop' } } };
  return {
    contexts: { github: { event_name: event, repository: 'acme/shop', actor: options.actor ?? 'octocat', event: event === 'pull_request' ? { pull_request: pullRequest } : {} } },
    exists: () => options.resultExists ?? true,
    failed: options.failed ?? false,
  };
}

describe('the README is a short guide whose links resolve', () => {
  it(`has at most ${MAX_README_LINES} lines`, () => {
    const lines = read(README).replace(/\n$/, '').split('\n').length;
    expect(lines, `README.md has ${lines} lines: move detail to docs/`).toBeLessThanOrEqual(MAX_README_LINES);
  });

  it('every relative link in README and docs/ names an existing file, and its anchor a heading there', () => {
    const broken: string[] = [];
    for (const file of markdownFiles) {
      for (const { target, line } of relativeLinks(file)) {
        const [path = '', anchor] = target.split('#');
        const resolved = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
        if (!existsSync(resolved)) {
          broken.push(`${shown(file)}:${line}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) {
          broken.push(`${shown(file)}:${line}: ${target} (no heading with that anchor in ${shown(resolved)})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('every `npm run X` named in README and docs/ is a script of package.json', () => {
    const scripts = Object.keys((JSON.parse(read(join(ROOT, 'package.json'))) as { scripts: Record<string, string> }).scripts);
    const missing: string[] = [];
    for (const file of markdownFiles) {
      read(file)
        .split('\n')
        .forEach((line, i) => {
          for (const match of line.matchAll(/npm run ([\w:.-]*[\w])/g)) {
            if (!scripts.includes(match[1] as string)) missing.push(`${shown(file)}:${i + 1}: npm run ${match[1]}`);
          }
        });
    }
    expect(missing).toEqual([]);
  });

  it("the README's test command is the one .ci/run runs", () => {
    const setup = readmeSection('Set-up on a fresh machine');
    expect(setup).toMatch(/^npm test\b/m);
    expect(read(join(ROOT, '.ci', 'run'))).toMatch(/\bnpm test\b/);
  });
});

describe('every table in docs/ names the command that reproduces it and when it was measured', () => {
  it('finds the tables', () => {
    const tables = docFiles.reduce((n, file) => n + tableStarts(proseLines(read(file))).length, 0);
    expect(tables).toBeGreaterThan(0);
  });

  for (const file of docFiles) {
    it(`${shown(file)}: a line before each table, in its section, names a command and a date`, () => {
      const lines = proseLines(read(file));
      const unnamed: string[] = [];
      for (const start of tableStarts(lines)) {
        let sectionStart = start;
        while (sectionStart > 0 && !/^#{1,6}\s/.test(lines[sectionStart - 1] as string)) sectionStart -= 1;
        const before = lines.slice(sectionStart, start);
        const named = before.some((line) => COMMAND.test(line) && isCalendarDate(line));
        if (!named) unnamed.push(`${shown(file)}:${start + 1}: ${(lines[start] as string).slice(0, 60)}`);
      }
      expect(unnamed, 'write a line such as "Measured 2026-12-02 with `npm run bench:...`" before each of these tables').toEqual([]);
    });
  }
});

describe("the README's claims about the CI workflows hold against the workflow files", () => {
  const workflow = readWorkflow(read(join(WORKFLOWS, 'querygate.yml')));
  const forkComment = readWorkflow(read(join(WORKFLOWS, 'querygate-comment.yml')));
  const yamlLines = ['querygate.yml', 'querygate-comment.yml'].flatMap((file) => read(join(WORKFLOWS, file)).split('\n')).map((line) => squash(line.replace(/^\s*- /, '')));
  /** The section as prose: a fenced block's `#` and backticks are not claims. */
  const sectionText = readmeSection('Gating a pull request');
  const section = proseLines(sectionText).join('\n');
  const jobsOn = (event: 'pull_request' | 'push'): WorkflowJob[] => workflow.jobs.filter((job) => conditionHolds(job.if, eventContext(event)));
  const commentStep = () => workflow.jobs.flatMap((job) => job.steps).find((step) => step.run?.includes('querygate comment') === true);

  it('links the workflow files', () => {
    expect(section).toContain('](.github/workflows/querygate.yml)');
    expect(section).toContain('](.github/workflows/querygate-comment.yml)');
  });

  it('runs on the events the README names, one job per event', () => {
    const events = workflowEvents(workflow);
    if (/runs on pull\s+requests/.test(section)) expect(events).toContain('pull_request');
    const branch = /pushes\s+to\s+`([^`]+)`/.exec(section)?.[1];
    if (branch !== undefined) {
      expect(events).toContain('push');
      const push = (workflow.on as Record<string, Record<string, string>>)['push'];
      const branches = (push?.['branches'] ?? '').replace(/^\[|\]$/g, '').split(',').map((b) => b.trim().replace(/^['"]|['"]$/g, ''));
      expect(branches).toContain(branch);
    }
    expect(jobsOn('pull_request').map((job) => job.id)).toEqual(['pull-request']);
    expect(jobsOn('push').map((job) => job.id)).toEqual(['main']);
  });

  it('grants by default what the README names, and each job exactly the permissions the README gives it', () => {
    const byDefault = /by default \(`permissions: ([^`]+)`\)/.exec(section)?.[1];
    expect(byDefault, 'the README says nothing of the default permissions').toBeDefined();
    expect(workflow.permissions).toBe(byDefault);
    for (const { job, file } of [...workflow.jobs.map((job) => ({ job, file: 'querygate.yml' })), ...forkComment.jobs.map((job) => ({ job, file: 'querygate-comment.yml' }))]) {
      const clause = new RegExp(`the\\s+\`${job.id}\`\\s+job\\b[^.;]*`, 'i').exec(section)?.[0];
      expect(clause, `the README does not name the ${job.id} job of ${file}`).toBeDefined();
      const granted = typeof job.permissions === 'object' ? Object.entries(job.permissions).map(([scope, level]) => `${scope}: ${level}`) : [];
      expect(granted.sort(), `${file}: ${job.id}`).toEqual(permissionSpans(clause!).sort());
    }
  });

  it('holds every `key: value` setting the README quotes', () => {
    const settings = codeSpans(section).filter((span) => /^[\w.-]+: \S/.test(span));
    expect(settings.length).toBeGreaterThan(0);
    for (const setting of settings) expect(yamlLines, `workflow line "${setting}"`).toContain(setting);
  });

  /** The README's commands for an event: those both jobs run, then the event's own list. */
  function claimedCommands(event: 'pull_request' | 'push'): string[] {
    const every = section.indexOf('Both jobs first run');
    const pr = section.search(/on a pull request:/i);
    const push = section.search(/On a push to `[^`]+`:/);
    if (every < 0 || pr < 0 || push < 0) throw new Error('README: expected "Both jobs first run", "on a pull request:" and "On a push to `main`:" in "Gating a pull request"');
    const listEnd = (from: number) => {
      const rest = section.slice(from);
      const end = /\n\n(?![\d\s-])/.exec(rest.slice(rest.indexOf('\n\n') + 2));
      return end === null ? section.length : from + rest.indexOf('\n\n') + 2 + end.index;
    };
    const common = shellSpans(section.slice(every, pr));
    const own = event === 'pull_request' ? section.slice(pr, push) : section.slice(push, listEnd(push));
    return [...common, ...shellSpans(own)];
  }

  for (const event of ['pull_request', 'push'] as const) {
    it(`on ${event}: runs the commands the README lists, in that order, and no step the README leaves out`, () => {
      const claimed = claimedCommands(event);
      expect(claimed.length).toBeGreaterThan(0);
      const running = jobsOn(event)
        .flatMap((job) => job.steps)
        .filter((step) => step.run !== undefined && conditionHolds(step.if, eventContext(event)));
      let at = 0;
      for (const command of claimed) {
        const found = running.findIndex((step, i) => i >= at && describes(step.run as string, command));
        expect(found, `README says the ${event} job runs \`${command}\`, after the commands before it; the workflow's steps: ${running.map((s) => s.name).join(', ')}`).toBeGreaterThanOrEqual(0);
        at = found;
      }
      const undescribed = running.filter((step) => !claimed.some((command) => describes(step.run as string, command))).map((step) => step.name);
      expect(undescribed, `workflow steps on ${event} the README does not describe`).toEqual([]);
    });
  }

  it('comments when the README says: also after a failed run, for a pull request from this repository', () => {
    const step = commentStep();
    expect(step, 'the workflow has no step that runs querygate comment').toBeDefined();
    expect(conditionHolds(step!.if, eventContext('pull_request'))).toBe(true);
    expect(conditionHolds(step!.if, eventContext('pull_request', { resultExists: false })), 'a comment without a result').toBe(false);
    if (/also after a failed run/.test(section)) expect(conditionHolds(step!.if, eventContext('pull_request', { failed: true }))).toBe(true);
    if (/for a pull request from this repository/.test(section)) expect(conditionHolds(step!.if, eventContext('pull_request', { fromFork: true }))).toBe(false);
    if (/not Dependabot's/.test(section)) expect(conditionHolds(step!.if, eventContext('pull_request', { actor: 'dependabot[bot]' }))).toBe(false);
    expect(Object.keys(step!.env), 'the token in the comment step only').toContain('GITHUB_TOKEN');
  });

  it("shows the comment as querygate renders it: its marker, the verdict heading and the matrix's header", async () => {
    const example = /```markdown\n([\s\S]*?)\n\s*```/.exec(sectionText)?.[1]?.split('\n').map((line) => line.trim());
    expect(example, 'the README shows no comment in a ```markdown block').toBeDefined();
    const rendered = `${COMMENT_MARKER}\n${renderSummary(await readResultFile(join(ROOT, 'test', 'fixtures', 'real-result-against.sqlite.json')))}`.split('\n');
    expect(example![0]).toBe(COMMENT_MARKER);
    const heading = example!.find((line) => line.startsWith('#'));
    expect(heading?.replace(/(PASS|FAIL|NO VERDICT)$/, '')).toBe(rendered.find((line) => line.startsWith('#'))?.replace(/(PASS|FAIL|NO VERDICT)$/, ''));
    const header = example!.find((line) => line.startsWith('| scenario'));
    expect(header, 'the README shows no matrix header').toBeDefined();
    expect(rendered.map(squash)).toContain(squash(header!));
  });

  it('serves forks as the README says: after the run, for forks only, from the default branch, for the head measured', () => {
    expect(workflowEvents(forkComment)).toEqual(['workflow_run']);
    expect(section).toContain('(`workflow_run`)');
    const on = forkComment.on as Record<string, Record<string, string>>;
    expect(on['workflow_run']?.['workflows']).toBe(`[${workflow.name}]`);
    const [job] = forkComment.jobs;
    const runOf = (event: string, headRepo: string) => ({ contexts: { github: { repository: 'acme/shop', event: { workflow_run: { event, head_repository: { full_name: headRepo } } } } } });
    expect(conditionHolds(job?.if, runOf('pull_request', 'someone/fork'))).toBe(true);
    expect(conditionHolds(job?.if, runOf('pull_request', 'acme/shop'))).toBe(false);
    expect(conditionHolds(job?.if, runOf('push', 'someone/fork'))).toBe(false);
    if (/checks out the default branch only/.test(section)) {
      const checkout = job?.steps.find((step) => step.uses?.startsWith('actions/checkout@') === true);
      expect(checkout?.with).not.toHaveProperty('ref');
      expect(checkout?.with).not.toHaveProperty('repository');
    }
    const comment = job?.steps.find((step) => step.run?.includes('querygate comment') === true);
    if (/digits only/.test(section)) expect(comment?.run).toMatch(/\[\[ ! "\$\{pr\}" =~ \^\[1-9\]\[0-9\]\{0,9\}\$ \]\]/);
    if (/while that head is the commit measured/.test(section)) {
      expect(comment?.run).toMatch(/--head-sha "\$\{HEAD_SHA\}"/);
      expect(comment?.env['HEAD_SHA']).toBe('${{ github.event.workflow_run.head_sha }}');
    }
  });

  it('uploads the artifact the README names, also when the job failed', () => {
    const name = /`([^`]+)`\s+artifact/.exec(section)?.[1];
    expect(name, 'the README names no artifact').toBeDefined();
    const path = /`([^`]+)`\s+is uploaded/.exec(section)?.[1];
    for (const job of workflow.jobs) {
      const upload = job.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@') === true);
      expect(upload, `job ${job.id} uploads no artifact`).toBeDefined();
      expect(upload!.with['name']).toBe(name);
      if (path !== undefined) expect(upload!.with['path']).toBe(path);
      if (/also when the job failed/.test(section)) expect(upload!.if).toBe('always()');
    }
  });

  it('fails the job when `querygate run` fails, as the README says', () => {
    expect(section).toMatch(/job fails when/);
    expect(yamlLines.some((line) => /^continue-on-error: true/.test(line))).toBe(false);
    const runLines = workflow.jobs.flatMap((job) => job.steps).flatMap((step) => (step.run ?? '').split('\n')).filter((line) => /querygate run\b/.test(line));
    expect(runLines.length).toBeGreaterThan(0);
    for (const line of runLines) expect(line, 'a querygate run whose failure is swallowed').not.toMatch(/\|\||;\s*true\b|set \+e/);
  });
});
