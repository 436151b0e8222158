import { readFileSync } from 'node:fs';
import { Lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import type { RunResult, ScenarioResult } from '../harness/core/result.js';
import { parseResultFile } from '../harness/core/parse-result-file.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { renderSummary, SUMMARY_MAX_CHARS } from '../reports/summary-report.js';

const FIXTURE = new URL('./fixtures/real-result.sqlite.json', import.meta.url);
const realRun = (): RunResult => parseResultFile(readFileSync(FIXTURE, 'utf8'), 'real-result.sqlite.json');

/**
 * The largest failing run a pull request can produce: every scenario on both databases, every
 * gate of the implementation under test failed with a long message, a long statement diff behind
 * every snapshot gate, errored references and a pile of run errors.
 */
function largestFailingRun(): RunResult {
  const run = realRun();
  const postgres = run.results.map((r): ScenarioResult => ({ ...structuredClone(r), dialect: 'postgres' }));
  run.results = [...run.results, ...postgres];
  for (const r of run.results) {
    for (const [i, gate] of r.gates.entries()) {
      gate.pass = false;
      gate.message = `${gate.id} failed in ${r.scenario} on ${r.dialect}: ${'evidence '.repeat(60)}#${i}`;
    }
    if (r.impl === run.implUnderTest && r.queries.snapshot !== undefined) {
      r.queries.snapshot = {
        ...r.queries.snapshot,
        status: 'differs',
        diff: Array.from({ length: 400 }, (_, i) => `${i % 2 === 0 ? '-' : '+'} select * from artifacts where id = ${i} and ${'x'.repeat(150)}`).join('\n'),
      };
    }
    if (r.impl === 'floor') Object.assign(r, { state: 'errored', error: `SQLITE_BUSY in ${r.scenario}: ${'locked '.repeat(40)}` });
  }
  run.errors = Array.from({ length: 40 }, (_, i) => `run error ${i}: ${'context '.repeat(30)}`);
  run.verdict = 'fail';
  return run;
}

const lex = (markdown: string): Token[] => new Lexer({ gfm: true }).lex(markdown);
const tablesOf = (tokens: Token[]): Tokens.Table[] => tokens.filter((t): t is Tokens.Table => t.type === 'table');
const cellText = (cell: Tokens.TableCell): string => cell.text;

describe('the summary form (pull-request comment, step summary)', () => {
  it(`fits ${SUMMARY_MAX_CHARS} characters for the largest failing run, and still parses as GitHub-flavoured markdown`, () => {
    const run = largestFailingRun();
    const summary = renderSummary(run);
    expect(summary.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    // The full report is several times larger: the cut is real.
    expect(renderMarkdown(run).length).toBeGreaterThan(3 * SUMMARY_MAX_CHARS);
    const tokens = lex(summary);
    const heading = tokens[0] as Tokens.Heading;
    expect([heading.type, heading.text]).toEqual(['heading', 'querygate: FAIL']);
    // Every code fence is closed: the lexer ends each at its fence, and the text after is not swallowed.
    expect(summary.match(/^\s*```/gm)?.length ?? 0).toSatisfy((n: number) => n % 2 === 0);
    expect(summary).toContain('Cut to 20,000 characters.');
    expect(summary.trimEnd().endsWith('beside the result.')).toBe(true);
  });

  it('names one cause once, with the count of the places it failed', () => {
    const run = largestFailingRun();
    const summary = renderSummary(run);
    const list = lex(summary).find((t): t is Tokens.List => t.type === 'list');
    expect(list).toBeDefined();
    const titles = list!.items.map((item) => /^\*\*(.+?)\*\*/.exec(item.text)?.[1]);
    expect(new Set(titles).size).toBe(titles.length);
    const queries = list!.items.find((item) => item.text.startsWith('**`queries-at-most-max` failed**'));
    // list-50, list-filtered, detail, page-sizes on two databases: one finding, eight places.
    expect(queries?.text).toMatch(/in 8 places: .*, and 2 more\./);
    // Each run error is a cause of its own: the summary lists the first and counts the rest.
    expect(list!.items).toHaveLength(12);
    expect(summary).toMatch(/And \d+ more findings, in the full report\./);
    const full = lex(renderMarkdown(run)).find((t): t is Tokens.List => t.type === 'list');
    expect(full!.items.filter((item) => item.text.includes('run error'))).toHaveLength(40);
  });

  it('shows the statement diff behind a failed snapshot gate as its evidence', () => {
    const run = realRun();
    const fixed = run.results.find((r) => r.impl === run.implUnderTest && r.scenario === 'list-50')!;
    fixed.gates.find((g) => g.id === 'same-queries-as-snapshot')!.pass = false;
    fixed.queries.snapshot = { ...fixed.queries.snapshot!, status: 'differs', diff: '- select 1\n+ select 1\n+ select count(*) from tags' };
    const tokens = lex(renderSummary(run));
    const code = tokens.flatMap((t) => (t.type === 'list' ? (t as Tokens.List).items.flatMap((i) => i.tokens) : [t])).find((t): t is Tokens.Code => t.type === 'code');
    expect(code?.lang).toBe('diff');
    expect(code?.text).toContain('+ select count(*) from tags');
  });

  it('puts the verdict, then the matrix of scenario x database, then every gate folded', () => {
    const run = realRun();
    const summary = renderSummary(run);
    const tokens = lex(summary);
    expect((tokens[0] as Tokens.Heading).text).toBe(`querygate: ${run.verdict === 'pass' ? 'PASS' : 'FAIL'}`);
    const [matrix, gates] = tablesOf(tokens);
    expect(matrix!.header.map(cellText)).toEqual(['scenario', 'database', 'gates', 'p50 / p95 ms', 'p50 against', 'statements / request']);
    const tested = run.results.filter((r) => r.impl === run.implUnderTest);
    expect(matrix!.rows.map((row) => `${row[0]!.text} ${row[1]!.text}`)).toEqual(tested.map((r) => `${r.scenario} ${r.dialect}`));
    for (const row of matrix!.rows) expect(row[2]!.text).toMatch(/^pass \d+\/\d+$/);
    expect(gates!.rows).toHaveLength(tested.reduce((n, r) => n + r.gates.length, 0));
    expect(summary.indexOf('<details><summary>All')).toBeGreaterThan(summary.indexOf('| scenario'));
    expect(summary.split('<details>').length).toBe(summary.split('</details>').length);
  });
});

describe('what --against did not measure', () => {
  it('says under the verdict that changed dependencies ran the same on both sides', () => {
    const run = parseResultFile(readFileSync(new URL('./fixtures/real-result-against.sqlite.json', import.meta.url), 'utf8'), 'against');
    expect(renderSummary(run)).not.toContain('Not measured');
    run.against = { ...run.against!, dependencyChanges: ['knex 3.1.0 -> 3.3.0'] };
    const summary = renderSummary(run);
    expect(summary).toContain('**Not measured**: the dependencies differ from `HEAD` (knex 3.1.0 -> 3.3.0)');
    expect(summary.indexOf('Not measured')).toBeLessThan(summary.indexOf('| scenario'));
  });

  it("says when each side ran with its own dependencies and database settings", () => {
    const run = parseResultFile(readFileSync(new URL('./fixtures/real-result-against.sqlite.json', import.meta.url), 'utf8'), 'against');
    run.against = { ...run.against!, dependencyChanges: ['knex 3.1.0 -> 3.3.0'], ownDependencies: { installed: true, installMs: 41_000 }, databaseSettingsDifference: ['pool.postgres 4 -> 8'] };
    const summary = renderSummary(run);
    expect(summary).not.toContain('Not measured');
    expect(summary).toContain("**Dependencies differ** from `HEAD` (knex 3.1.0 -> 3.3.0): each side ran with its own, `HEAD`'s installed from its lockfile by this run in 41.0 s.");
    expect(summary).toContain('**Database settings differ** from `HEAD` (pool.postgres 4 -> 8): each side ran with its own.');
    run.against = { ...run.against, dependencyChanges: [], ownDependencies: { installed: false, installMs: 0 } };
    delete run.against.databaseSettingsDifference;
    expect(renderSummary(run)).toContain("**Dependencies differ** from `HEAD` (the lockfile only): each side ran with its own, `HEAD`'s installed from its lockfile (reused).");
    expect(renderSummary(run)).not.toContain('Database settings differ');
  });
});

describe('the full report', () => {
  it('gives a failing run its cause and evidence before any table, and folds what a reviewer rarely needs', () => {
    const run = largestFailingRun();
    const text = renderMarkdown(run);
    const firstTable = text.indexOf('\n|');
    expect(text.indexOf('## What failed')).toBeGreaterThan(0);
    expect(text.indexOf('## What failed')).toBeLessThan(firstTable);
    expect(text.indexOf('```diff')).toBeLessThan(firstTable);
    for (const folded of ['All ', 'Results', 'N+1 findings', 'Environment', 'Fixture']) expect(text).toContain(`<details><summary>${folded}`);
    expect(text.split('<details>').length).toBe(text.split('</details>').length);
    expect(text).not.toMatch(/^## Gates$/m);
  });
});
