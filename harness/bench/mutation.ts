/**
 * `npm run bench:mutation`: the mutation score of the judge and the statistics. StrykerJS (with
 * its vitest runner, harness/bench/stryker.config.mjs) mutates their code and runs the fast,
 * database-free tests that cover each mutant (harness/bench/vitest.mutation.config.ts); a mutant
 * no test fails on is a behaviour the tests do not pin down.
 *
 *   npm run bench:mutation -- [--files <glob,...>] [--tests <glob,...>] [--incremental]
 *
 * --files: the files to mutate (globs; those matching nothing are skipped), instead of
 *   DEFAULT_FILES. --tests: only these test files (globs, still without database or process
 *   tests), instead of every fast test that imports the judge or the statistics; a score measured
 *   with fewer tests is a lower bound of the full set's. --incremental: reuse the results of
 *   mutants whose code and covering tests did not change since the last --incremental run with the
 *   same tests (reports/out/mutation/stryker-incremental.json, or -<hash of --tests>.json).
 *
 * Prints the date, the command, the files and then, per file, the mutants killed, survived, timed
 * out and not covered by any test, with the mutation score ((killed + timeout) / (killed + timeout
 * + survived + no coverage)). Writes Stryker's HTML report (reports/out/mutation/mutation.html)
 * and its JSON (mutation.json, from which the table is read). Stryker's progress goes to stdout.
 * Exits 1 when Stryker fails (e.g. the tests fail without any mutant), 2 on bad flags.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stryker } from '@stryker-mutator/core';
import { flag } from './bench-args.js';
import { TESTS_VARIABLE } from './vitest.mutation.config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG_FILE = 'harness/bench/stryker.config.mjs';
const JSON_REPORT = 'reports/out/mutation/mutation.json';
const HTML_REPORT = 'reports/out/mutation/mutation.html';

/** What is mutated by default: the judge and the statistics. */
export const DEFAULT_FILES = ['harness/judge/**/*.ts', 'harness/stats/**/*.ts'];

/** A glob (`**` any folders, `*` and `?` within one name) as a regular expression over relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches no folder too.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The project's files (relative, `/`-separated) matching a glob, walking only below its fixed prefix. */
function expandGlob(glob: string): string[] {
  const pattern = glob.replace(/^\.\//, '');
  if (!/[*?]/.test(pattern)) return existsSync(join(ROOT, pattern)) && statSync(join(ROOT, pattern)).isFile() ? [pattern] : [];
  const fixed = pattern.slice(0, pattern.search(/[*?]/));
  const base = fixed.includes('/') ? fixed.slice(0, fixed.lastIndexOf('/')) : '.';
  if (!existsSync(join(ROOT, base))) return [];
  const re = globToRegExp(pattern);
  return readdirSync(join(ROOT, base), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split('\\').join('/'))
    .filter((file) => re.test(file));
}

/** The files to mutate: the globs' matches, without tests and declaration files, each once. */
export function filesToMutate(globs: readonly string[]): string[] {
  const files = globs.flatMap(expandGlob).filter((f) => !/\.(test|spec)\.ts$|\.d\.ts$/.test(f));
  return [...new Set(files)].sort();
}

/** The part of mutation-testing-report-schema's JSON read here. */
interface MutationReport {
  files: Record<string, { mutants: { status: string }[] }>;
}

export interface FileScore {
  file: string;
  mutants: number;
  killed: number;
  survived: number;
  timeout: number;
  noCoverage: number;
  /** Compile or runtime errors and ignored mutants: in `mutants`, not in the score. */
  other: number;
  /** % of the detected among the valid mutants; NaN without any. */
  score: number;
}

function score(file: string, statuses: readonly string[]): FileScore {
  const count = (status: string) => statuses.filter((s) => s === status).length;
  const killed = count('Killed');
  const survived = count('Survived');
  const timeout = count('Timeout');
  const noCoverage = count('NoCoverage');
  const valid = killed + survived + timeout + noCoverage;
  return { file, mutants: statuses.length, killed, survived, timeout, noCoverage, other: statuses.length - valid, score: valid === 0 ? Number.NaN : (100 * (killed + timeout)) / valid };
}

/** Per file (sorted by path) and the total, from Stryker's JSON report. */
export function scoresOf(report: MutationReport): { files: FileScore[]; total: FileScore } {
  const files = Object.entries(report.files)
    .map(([file, { mutants }]) => score(isAbsolute(file) ? relative(ROOT, file) : file, mutants.map((m) => m.status)))
    .sort((a, b) => a.file.localeCompare(b.file));
  const all = Object.values(report.files).flatMap(({ mutants }) => mutants.map((m) => m.status));
  return { files, total: score('total', all) };
}

/** A plain-text table: file, mutants, killed, survived, timeout, no coverage, score %. */
export function renderTable(scores: { files: FileScore[]; total: FileScore }): string {
  const withOther = [...scores.files, scores.total].some((s) => s.other > 0);
  const head = ['file', 'mutants', 'killed', 'survived', 'timeout', 'no coverage', ...(withOther ? ['errors/ignored'] : []), 'score %'];
  const row = (s: FileScore) => [
    s.file,
    ...[s.mutants, s.killed, s.survived, s.timeout, s.noCoverage, ...(withOther ? [s.other] : [])].map(String),
    Number.isNaN(s.score) ? 'n/a' : s.score.toFixed(1),
  ];
  const rows = [head, ...scores.files.map(row), row(scores.total)];
  const widths = head.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), rule, ...scores.files.map((s) => line(row(s))), rule, line(row(scores.total))].join('\n');
}

/** A flag's comma-separated globs; undefined when the flag is absent, 'missing' when it has no value. */
function globList(name: string): string[] | undefined | 'missing' {
  if (!process.argv.includes(`--${name}`)) return undefined;
  const value = flag(name);
  const globs = value === undefined || value.startsWith('--') ? [] : value.split(',').map((g) => g.trim()).filter((g) => g !== '');
  return globs.length === 0 ? 'missing' : globs;
}

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

async function main(): Promise<number> {
  process.chdir(ROOT);
  const files = globList('files');
  const tests = globList('tests');
  if (files === 'missing' || tests === 'missing') {
    process.stderr.write(`--${files === 'missing' ? 'files' : 'tests'} needs a comma-separated list of globs\n`);
    return 2;
  }
  const globs = files ?? DEFAULT_FILES;
  const unmatched = (tests ?? []).filter((g) => expandGlob(g).length === 0);
  if (unmatched.length > 0) {
    process.stderr.write(`--tests: no test file matches ${unmatched.join(', ')}\n`);
    return 2;
  }
  // Read by harness/bench/vitest.mutation.config.ts in Stryker's test-runner processes.
  if (tests !== undefined) process.env[TESTS_VARIABLE] = tests.join(',');
  const incremental = process.argv.includes('--incremental');
  const mutate = filesToMutate(globs);
  const command = ['npm run bench:mutation', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  const started = new Date();
  process.stdout.write(`mutation testing, ${started.toISOString()}\ncommand: ${command}\n`);
  if (mutate.length === 0) {
    process.stderr.write(`no file matches ${globs.join(', ')}\n`);
    return 2;
  }
  process.stdout.write(`mutating ${mutate.length} file(s): ${mutate.join(', ')}\n\n`);

  try {
    await new Stryker({
      configFile: CONFIG_FILE,
      mutate,
      incremental,
      // Results reused from a run with other tests would not be this set's: one file per test set.
      ...(tests === undefined ? {} : { incrementalFile: `reports/out/mutation/stryker-incremental-${createHash('sha256').update(tests.join(',')).digest('hex').slice(0, 12)}.json` }),
      // The progress bar redraws one line; in a log file, a line every few seconds reads better.
      reporters: ['html', 'json', process.stdout.isTTY ? 'progress' : 'progress-append-only'],
    }).runMutationTest();
  } catch (error) {
    process.stderr.write(`Stryker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
  const wall = Date.now() - started.getTime();

  const report = JSON.parse(readFileSync(JSON_REPORT, 'utf8')) as MutationReport;
  process.stdout.write(
    `\nmutation score per file (${started.toISOString()}, ${command})\n\n` +
      `${renderTable(scoresOf(report))}\n\n` +
      `score % = (killed + timeout) / (killed + timeout + survived + no coverage)\n` +
      `wall time ${minutes(wall)}; HTML report ${HTML_REPORT}, JSON ${JSON_REPORT}\n`,
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
