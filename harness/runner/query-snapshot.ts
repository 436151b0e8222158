import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { FINGERPRINT_VERSION, fullScansOf, snapshotStatement } from '../instrument/fingerprint.js';
import type { ScenarioResult, SnapshotCheck } from '../core/result.js';
import { lineDiff } from './line-diff.js';

/** Where committed snapshots live. @default scenarios/snapshots */
export const DEFAULT_SNAPSHOT_DIR = join('scenarios', 'snapshots');
/** The fixture profile whose snapshots are committed: a missing one is written, or fails in CI. */
export const COMMITTED_PROFILE = 'default';

export interface SnapshotOptions {
  /** Folder of the snapshot files. @default scenarios/snapshots */
  dir: string;
  /** Rewrite every snapshot from this run (`run --update-snapshots`). @default false */
  update: boolean;
  /** In CI a missing snapshot fails instead of being written, and no full scan is accepted. @default Boolean(process.env.CI) */
  ci: boolean;
  /**
   * Tables whose full scans a written or rewritten snapshot may newly accept (`--accept-full-scan
   * TABLE`, after review). Any other new full scan is listed as pending and stays a failure of
   * `no-new-full-scan`. @default []
   */
  acceptFullScans?: readonly string[];
}

/** scenarios/snapshots/list-50.sqlite.default-42.txt */
export function snapshotPath(dir: string, result: Pick<ScenarioResult, 'scenario' | 'dialect'>, profile: string, seed: number): string {
  return join(dir, `${result.scenario}.${result.dialect}.${profile}-${seed}.txt`);
}

const ACCEPTED = '## accepted full scans';

/**
 * The snapshot of one scenario on one database, as stable readable text: statements per request,
 * plan shape per fingerprint, exact cost per request kind, and the full scans accepted.
 * Every line is exact on an unchanged fixture (measured: docs/figures.md, "What querygate guarantees").
 */
export function renderSnapshot(result: ScenarioResult, profile: string, seed: number, accepted: readonly string[]): string {
  const q = result.queries;
  const lines: string[] = [
    `# querygate query snapshot: ${result.scenario} on ${result.dialect}, fixture ${profile} seed ${seed}`,
    '# Rewrite with `npx querygate run --update-snapshots` and review the diff like code.',
    `fingerprint-normalization: v${FINGERPRINT_VERSION}`,
    '',
    '## statements per request (executions per fingerprint, max over requests)',
    ...q.fingerprints.map((f) => `${f.count}x ${snapshotStatement(f.sql)}`).sort(bySql),
    '',
    '## plan shape per fingerprint',
  ];
  const plans = (q.plans ?? []).map((plan) => {
    const [sql, request] = plan.fingerprint.split('\u0000');
    return { key: `${snapshotStatement(sql ?? '')}${request === undefined ? '' : `  (shape of ${request})`}`, shape: plan.shape ?? [] };
  });
  for (const plan of plans.sort((a, b) => bySql(a.key, b.key))) lines.push(plan.key, ...plan.shape.map((l) => `  ${l}`));
  // Shared buffers are left out: they follow the physical layout, which differs between two builds of
  // the same fixture (measured 502 vs 251 for one request kind), so they are reported, never gated.
  lines.push('', '## cost per request (rows returned; Postgres also rows read by scans)');
  for (const c of q.costs ?? []) {
    const parts = [`${c.statements} statements`, `${c.rowsReturned} rows returned`];
    if (c.rowsRead !== undefined) parts.push(`${c.rowsRead} rows read`);
    lines.push(`${c.request}: ${parts.join(', ')}`);
  }
  lines.push('', `${ACCEPTED} (tables over the threshold read in full: reviewed decisions)`, ...[...accepted].sort(), '');
  return lines.join('\n');
}

const bySql = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);


function parseAccepted(text: string): string[] {
  const start = text.split('\n').findIndex((l) => l.startsWith(ACCEPTED));
  if (start < 0) return [];
  return text.split('\n').slice(start + 1).filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

function parseVersion(text: string): number | undefined {
  const match = /^fingerprint-normalization: v(\d+)$/m.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Whether a full scan ("table <- statement") may be newly accepted: its table named, and never in CI. */
function acceptsNew(scan: string, options: SnapshotOptions): boolean {
  return !options.ci && (options.acceptFullScans ?? []).includes(scan.split(' <- ')[0] ?? '');
}

/**
 * Compares the implementation under test's result with its snapshot, writing the file when asked
 * to (--update-snapshots) or when there is none for the committed profile outside CI, and records
 * the outcome on the result for the gates to judge.
 */
export function checkSnapshot(result: ScenarioResult, profile: string, seed: number, options: SnapshotOptions): SnapshotCheck {
  const path = snapshotPath(options.dir, result, profile, seed);
  const file = relative(process.cwd(), path) || path;
  const current = fullScansOf(result);
  const write = (previously: readonly string[], status: 'written' | 'updated'): SnapshotCheck => {
    // A scan stays accepted while it is still there; a new one only when its table was named.
    const accepted = current.filter((scan) => previously.includes(scan) || acceptsNew(scan, options));
    const pending = current.filter((scan) => !accepted.includes(scan));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, renderSnapshot(result, profile, seed, accepted));
    return { file, status, acceptedScans: accepted, normalizationVersion: FINGERPRINT_VERSION, ...(pending.length === 0 ? {} : { pendingScans: pending }) };
  };
  if (options.update) return write(existsSync(path) ? parseAccepted(readFileSync(path, 'utf8')) : [], 'updated');
  if (!existsSync(path)) {
    if (profile !== COMMITTED_PROFILE) return { file, status: 'not-judged', acceptedScans: [] };
    if (options.ci) return { file, status: 'missing', acceptedScans: [] };
    // Written on first run outside CI; its full scans only as --accept-full-scan names their tables.
    return write([], 'written');
  }
  const stored = readFileSync(path, 'utf8');
  const accepted = parseAccepted(stored);
  const version = parseVersion(stored);
  const expected = renderSnapshot(result, profile, seed, accepted);
  const check: SnapshotCheck = { file, status: 'matched', acceptedScans: accepted, ...(version === undefined ? {} : { normalizationVersion: version }) };
  if (expected === stored) return check;
  // New full scans are not accepted by the run: they show in the diff as added accepted lines.
  const diff = lineDiff(stored, renderSnapshot(result, profile, seed, [...new Set([...accepted, ...current])].sort()));
  return { ...check, status: 'differs', diff: diff === '' ? lineDiff(stored, expected) : diff };
}
