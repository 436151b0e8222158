import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseResultFile } from '../harness/core/parse-result-file.js';
import { readResultFile } from '../harness/core/read-result-file.js';
import { renderStoredResult } from '../harness/cli/result-commands.js';
import { rejudge } from '../harness/judge/judge-run.js';
const reportCommand = async ({ result, format }: { result: string; format?: 'markdown' | 'junit' }) => {
  const { text, exitCode } = await renderStoredResult(result, format);
  return { exitCode, text };
};
import { ResultFileError } from '../harness/core/result-file-error.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { sampleResult } from './fixtures/sample-result.js';

const path = 'runs/2025-06-01/result.json';
const valid = (): Record<string, unknown> => JSON.parse(JSON.stringify(sampleResult())) as Record<string, unknown>;

/** The ResultFileError thrown by parsing `text`, or a test failure. */
function errorOf(text: string): ResultFileError {
  try {
    parseResultFile(text, path);
  } catch (error) {
    if (error instanceof ResultFileError) return error;
    throw error;
  }
  throw new Error('parseResultFile accepted the text');
}

describe('parseResultFile', () => {
  it('accepts a result file and returns it unchanged', () => {
    const text = JSON.stringify(sampleResult());
    expect(parseResultFile(text, path)).toEqual(sampleResult());
  });

  it.each([
    ['empty file', '', 'the file is empty'],
    ['broken JSON', '{"tool": "querygate",', 'not valid JSON: '],
    ['an array', '[1, 2]', 'not a JSON object but an array'],
    ['a string', '"querygate"', 'not a JSON object but "querygate"'],
    ['another tool', JSON.stringify({ ...valid(), tool: 'hyperfine' }), '"tool" is "hyperfine", not "querygate"'],
    ['no tool', JSON.stringify({ results: [] }), '"tool" is missing, not "querygate"'],
    ['a newer schema', JSON.stringify({ ...valid(), schemaVersion: 2 }), 'schemaVersion 2 is not supported'],
    ['a missing field', JSON.stringify({ ...valid(), results: undefined }), 'missing field results'],
    ['a mistyped field', JSON.stringify({ ...valid(), durationMs: '84 s' }), 'durationMs is "84 s", expected a number'],
  ])('rejects %s with one line naming the path, the problem and what is accepted', (_, text, problem) => {
    const error = errorOf(text);
    expect(error.name).toBe('ResultFileError');
    expect(error.path).toBe(path);
    expect(error.message).not.toContain('\n');
    expect(error.message.startsWith(`${path}: ${problem}`)).toBe(true);
    expect(error.message).toMatch(/\(expected the result\.json of `querygate run`, schemaVersion 1\)$/);
  });

  it('names the path of a bad field deep inside', () => {
    const data = valid();
    const results = data['results'] as Record<string, unknown>[];
    results[2]!['dialect'] = 'mysql';
    expect(errorOf(JSON.stringify(data)).problem).toBe('results[2].dialect is "mysql", expected "sqlite" or "postgres"');
    results[2]!['dialect'] = 'sqlite';
    (results[4]!['latencyMs'] as Record<string, unknown>)['p95Ci'] = [1];
    expect(errorOf(JSON.stringify(data)).problem).toBe('results[4].latencyMs.p95Ci is an array, expected an interval [low, high] of numbers 0 <= low <= high');
    (results[4]!['latencyMs'] as Record<string, unknown>)['p95Ci'] = [1, 2];
    (results[1]!['rawSamples'] as unknown[])[17] = null;
    expect(errorOf(JSON.stringify(data)).problem).toBe('results[1].rawSamples[17] is null, expected a number');
  });

  it('accepts an errored result that measured nothing, and the reports render it', () => {
    const data = valid();
    const results = data['results'] as Record<string, unknown>[];
    results[1] = { scenario: 'list-50', dialect: 'sqlite', impl: 'fixed', state: 'errored', error: 'no such table: artifacts', latencyMs: { p50: null } };
    const parsed = parseResultFile(JSON.stringify(data), path);
    expect(parsed.results[1]).toMatchObject({ state: 'errored', gates: [], rawSamples: [], latencyMs: { p50: 0 } });
    expect(renderMarkdown(parsed)).toContain('- **errored: fixed could not be measured: no such table: artifacts** in 1 place: list-50, sqlite.');
  });
});

describe('readResultFile and reportCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'querygate-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a result.json, or the one in a run directory', async () => {
    const runDir = join(dir, 'run');
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'result.json'), JSON.stringify(sampleResult()));
    expect(await readResultFile(runDir)).toEqual(sampleResult());
    expect(await readResultFile(join(runDir, 'result.json'))).toEqual(sampleResult());
  });

  it('throws ResultFileError for a missing file', async () => {
    const missing = join(dir, 'nope.json');
    await expect(readResultFile(missing)).rejects.toThrow(new ResultFileError(missing, 'no such file'));
  });

  it('renders the result judged again, its verdict the exit code: a stored "pass" over failed gates is not trusted', async () => {
    const file = join(dir, 'result.json');
    writeFileSync(file, JSON.stringify(sampleResult()));
    const markdown = await reportCommand({ result: file });
    expect(markdown).toEqual({ exitCode: 1, text: renderMarkdown(rejudge(sampleResult()).result) });
    const junit = await reportCommand({ result: file, format: 'junit' });
    expect(junit.text.startsWith('<?xml')).toBe(true);

    const forged = sampleResult();
    forged.verdict = 'pass';
    writeFileSync(file, JSON.stringify(forged));
    const output = await renderStoredResult(file);
    expect(output.exitCode).toBe(1);
    expect(output.disagreement).toBe("the file's stored verdict is pass, but its measurements judged again give fail");
    expect(output.verdict.reasons.some((r) => r.kind === 'gate' && r.where === 'list-50, postgres' && r.message.startsWith('queries-at-most-max: '))).toBe(true);
  });
});
