/**
 * Hostile result files: any field of a real result replaced by any JSON value. The reader either
 * refuses it as bad input (ResultFileError: exit 2, naming the file and the field) or accepts it,
 * and then every command's path (judge again, compare, render) runs without an internal error
 * (which would be exit 3) and never passes a result whose implementation under test lost its
 * measurements. QUERYGATE_FUZZ_RUNS and QUERYGATE_FUZZ_SEED search further (3 x 2,000 clean on 2026-12-02).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResultFile } from '../harness/core/parse-result-file.js';
import { ResultFileError } from '../harness/core/result-file-error.js';
import { compareRuns, comparisonVerdict } from '../harness/judge/compare.js';
import { rejudge } from '../harness/judge/judge-run.js';
import { renderComparisonMarkdown } from '../reports/comparison-markdown.js';
import { renderJunit } from '../reports/junit-report.js';
import { renderMarkdown } from '../reports/markdown-report.js';

const REAL = readFileSync(join(import.meta.dirname, 'fixtures', 'real-result-against.sqlite.json'), 'utf8');
const real = JSON.parse(REAL) as unknown;

/** Every path to a value in the JSON, arrays sampled (their first, second and last element). */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(value)) {
    const picks = [...new Set([0, 1, value.length - 1])].filter((i) => i >= 0 && i < value.length);
    for (const i of picks) out.push(...paths(value[i], [...at, i]));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) out.push(...paths(child, [...at, key]));
  }
  return out;
}

const ALL_PATHS = paths(real).filter((p) => p.length > 0);

function replaced(path: (string | number)[], value: unknown): string {
  const copy = JSON.parse(REAL) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return JSON.stringify(copy);
}

const hostile = fc.oneof(
  fc.constantFrom(undefined, null, 0, -1, 1e300, -0.5, '', 'x', true, [], {}, [1], [1, 2, 3], { a: 1 }),
  fc.double({ noNaN: true }),
  fc.integer(),
  fc.string({ maxLength: 8 }),
);

describe('hostile result files: refused by name, or handled, never an internal error', () => {
  it('holds for any field replaced by any value', () => {
    const base = parseResultFile(REAL, 'real.json');
    let refused = 0;
    fc.assert(
      fc.property(fc.constantFrom(...ALL_PATHS), hostile, (path, value) => {
        let parsed;
        try {
          parsed = parseResultFile(replaced(path, value), 'hostile.json');
        } catch (error) {
          expect(error).toBeInstanceOf(ResultFileError);
          expect((error as Error).message).toMatch(/^hostile\.json: /);
          expect((error as Error).message).not.toContain('\n');
          refused += 1;
          return;
        }
        const { result, verdict } = rejudge(parsed);
        renderMarkdown(result);
        renderJunit(result);
        const comparison = compareRuns(base, parsed);
        renderComparisonMarkdown(comparison);
        const compared = comparisonVerdict(comparison);
        // Whatever was accepted, a result of the implementation under test that lost its samples never passes.
        const lost = parsed.results.some((r) => r.impl === parsed.implUnderTest && r.state === 'completed' && r.rawSamples.length === 0);
        if (lost) {
          expect(verdict.outcome).not.toBe('pass');
          expect(compared.outcome).not.toBe('pass');
        }
      }),
      { numRuns: Number(process.env.QUERYGATE_FUZZ_RUNS ?? 300), seed: Number(process.env.QUERYGATE_FUZZ_SEED ?? 20261202) },
    );
    expect(refused).toBeGreaterThan(0);
  });
});
