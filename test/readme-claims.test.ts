import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workflowSteps, type WorkflowStep } from './support/workflow-steps.js';

/**
 * The README is a guide of at most 250 lines whose links resolve and whose claims about the CI
 * workflow hold against .github/workflows/querygate.yml; every table in docs/ says which command
 * reproduces it and when it was measured. What the README claims is read from the README, and the
 * workflow from its file, so either may change as long as they agree.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const WORKFLOW = join(ROOT, '.github', 'workflows', 'querygate.yml');
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
const shellSpans = (text: string): string[] => codeSpans(text).filter((span) => /^(?:(?:git|npm|npx|node|bash)\b|base=)/.test(span));
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The lines of the workflow's top-level block `key:` (e.g. permissions), as trimmed `k: v` entries. */
function topLevelBlock(yaml: string, key: string): string[] | null {
  const lines = yaml.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^${key}:\\s*(#.*)?$`).test(line));
  if (start < 0) return null;
  const entries: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) break;
    entries.push(line.trim());
  }
  return entries;
}

/** The raw text of each step of the workflow, for what `workflowSteps` does not read (`with:`). */
function stepBlocks(yaml: string): string[] {
  const lines = yaml.split('\n');
  const start = lines.findIndex((line) => /^\s*steps:\s*$/.test(line));
  const blocks: string[] = [];
  let indent = -1;
  for (const line of lines.slice(start + 1)) {
    const item = /^(\s*)- /.exec(line);
    if (item !== null && (indent < 0 || (item[1] as string).length === indent)) {
      indent = (item[1] as string).length;
      blocks.push(line);
    } else if (blocks.length > 0) {
      blocks[blocks.length - 1] += `\n${line}`;
    }
  }
  return blocks;
}

/** Whether a step runs on an event, read as the workflow writes its conditions. */
function runsOn(step: WorkflowStep, event: string): boolean {
  if (step.if === undefined || step.if === 'always()') return true;
  const match = /^github\.event_name == '(\w+)'$/.exec(step.if);
  if (match === null) throw new Error(`this test does not understand the workflow's if: ${step.if}`);
  return match[1] === event;
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

describe("the README's claims about the CI workflow hold against the workflow file", () => {
  const yaml = read(WORKFLOW);
  const steps = workflowSteps(yaml);
  const section = readmeSection('Gating a pull request');

  it('links the workflow file', () => {
    expect(section).toContain('](.github/workflows/querygate.yml)');
  });

  it('runs on the events the README names', () => {
    const on = topLevelBlock(yaml, 'on');
    expect(on, 'the workflow has no top-level on:').not.toBeNull();
    if (/runs on pull\s+requests/.test(section)) expect(on).toContain('pull_request:');
    const branch = /pushes\s+to\s+`([^`]+)`/.exec(section)?.[1];
    if (branch !== undefined) {
      expect(on).toContain('push:');
      const branches = on!.find((line) => line.startsWith('branches:')) ?? '';
      expect(branches.replace(/^branches:\s*\[?|\]$/g, '').split(',').map((b) => b.trim().replace(/^['"]|['"]$/g, ''))).toContain(branch);
    }
  });

  it('has exactly the permissions the README names', () => {
    const sentence = /[^.]*\bpermissions\b[^.]*\./.exec(section)?.[0];
    expect(sentence, 'the README names no permissions').toBeDefined();
    const claimed = codeSpans(sentence!).filter((span) => /^[\w-]+: [\w-]+$/.test(span));
    expect((topLevelBlock(yaml, 'permissions') ?? []).sort()).toEqual(claimed.sort());
  });

  it('holds every `key: value` setting the README quotes', () => {
    const settings = codeSpans(section).filter((span) => /^[\w.-]+: \S/.test(span));
    expect(settings.length).toBeGreaterThan(0);
    const yamlLines = yaml.split('\n').map((line) => squash(line.replace(/^\s*- /, '')));
    for (const setting of settings) expect(yamlLines, `workflow line "${setting}"`).toContain(setting);
  });

  /** The README's commands for an event: those every job runs, then the event's own list. */
  function claimedCommands(event: 'pull_request' | 'push'): string[] {
    const every = section.indexOf('Every job first runs');
    const pr = section.search(/on a pull request:/i);
    const push = section.search(/On a push to `[^`]+`:/);
    if (every < 0 || pr < 0 || push < 0) throw new Error('README: expected "Every job first runs", "on a pull request:" and "On a push to `main`:" in "Gating a pull request"');
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
      const running = steps.filter((step) => step.run !== undefined && runsOn(step, event));
      let at = 0;
      for (const command of claimed) {
        const found = running.findIndex((step, i) => i >= at && squash(step.run as string).includes(command));
        expect(found, `README says the ${event} job runs \`${command}\`, after the commands before it; the workflow's steps: ${running.map((s) => s.name).join(', ')}`).toBeGreaterThanOrEqual(0);
        at = found;
      }
      const undescribed = running.filter((step) => !claimed.some((command) => squash(step.run as string).includes(command))).map((step) => step.name);
      expect(undescribed, `workflow steps on ${event} the README does not describe`).toEqual([]);
    });
  }

  it('uploads the artifact the README names, also when the job failed', () => {
    const name = /`([^`]+)`\s+artifact/.exec(section)?.[1];
    expect(name, 'the README names no artifact').toBeDefined();
    const upload = stepBlocks(yaml).find((block) => /uses:\s*actions\/upload-artifact@/.test(block));
    expect(upload, 'the workflow uploads no artifact').toBeDefined();
    expect(upload).toMatch(new RegExp(`\\bname:\\s*${name!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm'));
    const path = /`([^`]+)`\s+is uploaded/.exec(section)?.[1];
    if (path !== undefined) expect(upload).toMatch(new RegExp(`\\bpath:\\s*${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm'));
    if (/also when the job failed/.test(section)) expect(upload).toMatch(/^\s*if:\s*always\(\)\s*$/m);
  });

  it('fails the job when `querygate run` fails, as the README says', () => {
    expect(section).toMatch(/job fails when/);
    expect(yaml).not.toMatch(/continue-on-error:\s*true/);
    const runLines = steps.flatMap((step) => (step.run ?? '').split('\n')).filter((line) => /querygate run\b/.test(line));
    expect(runLines.length).toBeGreaterThan(0);
    for (const line of runLines) expect(line, 'a querygate run whose failure is swallowed').not.toMatch(/\|\||;\s*true\b|set \+e/);
  });
});
