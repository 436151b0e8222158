import { describe, expect, it } from 'vitest';
import { FixtureChecksum, checksumRows } from '../fixtures/checksum.js';
import { generateFixture } from '../fixtures/generator.js';
import { PROFILES } from '../fixtures/profiles.js';
import { COLUMNS, TABLES } from '../src/schema.js';
import type { TableName } from '../src/schema.js';

type Rows = Partial<Record<TableName, object[]>>;

function digestOf(rows: Rows, batch = Infinity): string {
  const checksum = new FixtureChecksum();
  for (const [table, list] of Object.entries(rows) as [TableName, object[]][]) {
    for (let k = 0; k < list.length; k += batch) checksum.add(table, list.slice(k, k + batch));
    if (list.length === 0) checksum.add(table, []);
  }
  return checksum.digest();
}

// Deterministic Fisher-Yates, so a failure can be replayed.
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let s = seed;
  for (let k = out.length - 1; k > 0; k--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const r = s % (k + 1);
    [out[k], out[r]] = [out[r] as T, out[k] as T];
  }
  return out;
}

const fixture = generateFixture(PROFILES.small, 42);
const rows: Rows = Object.fromEntries(TABLES.map((t) => [t, [...fixture.rows(t)].flat()]));
const base = digestOf(rows);

const artifact = {
  id: 'skill:pdf-extractor',
  name: 'pdf-extractor',
  type: 'skill',
  source: 'github:acme/skills/skills/pdf-extractor',
  version: '1.0.0',
  description: 'Extracts text.',
  created_at: '2024-03-01T12:00:00.000Z',
  updated_at: '2024-03-01T12:00:00.000Z',
};

describe('FixtureChecksum', () => {
  it('is a 64-digit hex string, equal to checksumRows over the same fixture', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(checksumRows(fixture)).toBe(base);
  });

  it('ignores row order, batch boundaries and the order tables are added in', () => {
    const reordered: Rows = {};
    for (const table of [...TABLES].reverse()) reordered[table] = shuffled(rows[table] ?? [], 7);
    expect(digestOf(reordered, 333)).toBe(base);
  });

  it('ignores the order of keys within a row', () => {
    const reversedKeys = { ...Object.fromEntries(Object.entries(artifact).reverse()) };
    expect(digestOf({ artifacts: [reversedKeys] })).toBe(digestOf({ artifacts: [artifact] }));
  });

  it('changes when one value of one row changes', () => {
    const list = (rows.artifacts ?? []).slice() as (typeof artifact)[];
    const first = list[0];
    if (first === undefined) throw new Error('no artifacts');
    list[0] = { ...first, description: `${first.description ?? ''}!` };
    expect(digestOf({ ...rows, artifacts: list })).not.toBe(base);

    const positions = (rows.group_artifacts ?? []).slice() as { position: number }[];
    const ga = positions[0];
    if (ga === undefined) throw new Error('no group members');
    positions[0] = { ...ga, position: ga.position + 1 };
    expect(digestOf({ ...rows, group_artifacts: positions })).not.toBe(base);
  });

  it('changes when a row is dropped or duplicated', () => {
    const tags = rows.artifact_tags ?? [];
    expect(digestOf({ ...rows, artifact_tags: tags.slice(1) })).not.toBe(base);
    expect(digestOf({ ...rows, artifact_tags: [...tags, tags[0] ?? {}] })).not.toBe(base);
  });

  it('tells null from the empty string and from the string "null"', () => {
    const digests = [null, '', 'null'].map((version) => digestOf({ artifacts: [{ ...artifact, version }] }));
    expect(new Set(digests).size).toBe(3);
  });

  it('does not let content shift between columns', () => {
    const a = digestOf({ artifacts: [{ ...artifact, name: 'ab', type: 'c' }] });
    const b = digestOf({ artifacts: [{ ...artifact, name: 'a', type: 'bc' }] });
    expect(a).not.toBe(b);
  });

  it('treats "3", 3 and 3n alike in integer columns', () => {
    const forms = ['3', 3, 3n];
    const tag = (id: unknown) => digestOf({ tags: [{ id, name: 'python' }] });
    const link = (tag_id: unknown) => digestOf({ artifact_tags: [{ artifact_id: 'skill:x', tag_id }] });
    const group = (position: unknown) => digestOf({ groups: [{ id: 'g', collection_id: 'c', name: 'Core', position }] });
    const member = (position: unknown) => digestOf({ group_artifacts: [{ group_id: 'g', artifact_id: 'skill:x', position }] });
    for (const f of [tag, link, group, member]) {
      expect(new Set(forms.map(f)).size).toBe(1);
      expect(f(4)).not.toBe(f(3));
    }
  });

  it('keeps "3" and 3 apart in other columns', () => {
    const named = (name: unknown) => digestOf({ tags: [{ id: 1, name }] });
    expect(named('3')).not.toBe(named(3));
    const described = (description: unknown) => digestOf({ collections: [{ id: 'c', name: 'n', description, created_at: 't', updated_at: 't' }] });
    expect(described('3')).not.toBe(described(3));
  });

  it('counts tables never added as empty, and tells them from tables with rows', () => {
    expect(new FixtureChecksum().digest()).toBe(digestOf({ tags: [] }));
    expect(digestOf({ tags: [{ id: 1, name: 'python' }] })).not.toBe(new FixtureChecksum().digest());
  });

  it('reports each table share, so a mismatch can be located', () => {
    const checksum = new FixtureChecksum();
    checksum.add('tags', rows.tags ?? []);
    const summary = checksum.summary();
    expect(summary.tags.rows).toBe(100);
    expect(summary.tags.sum).toMatch(/^[0-9a-f]{16}$/);
    expect(summary.artifacts).toEqual({ rows: 0, sum: '0000000000000000' });
  });

  it('gives rows read as arrays in column order the digest of the same rows as objects', () => {
    const asValues = new FixtureChecksum();
    for (const table of TABLES) asValues.addValues(table, (rows[table] ?? []).map((r) => COLUMNS[table].map((c) => (r as Record<string, unknown>)[c])));
    expect(asValues.digest()).toBe(base);
    const short = new FixtureChecksum();
    expect(() => short.addValues('tags', [[1]])).toThrow(/no column name/);
  });

  it('adds shares computed elsewhere as if their rows had been added here', () => {
    // Two threads each checksum part of a table; the merged digest is the whole table's.
    const [first, second] = [new FixtureChecksum(), new FixtureChecksum()];
    const links = rows.artifact_tags ?? [];
    first.add('artifact_tags', links.slice(0, 100));
    second.add('artifact_tags', links.slice(100));
    const merged = new FixtureChecksum();
    for (const table of TABLES) if (table !== 'artifact_tags') merged.add(table, rows[table] ?? []);
    merged.addShare('artifact_tags', first.summary().artifact_tags);
    merged.addShare('artifact_tags', second.summary().artifact_tags);
    expect(merged.digest()).toBe(base);
    expect(() => merged.addShare('tags', { rows: 1, sum: 'xyz' })).toThrow(/malformed share/);
    expect(() => merged.addShare('tags', { rows: -1, sum: '0000000000000000' })).toThrow(/malformed share/);
  });

  it('rejects rows that lack a column or hold values no driver returns', () => {
    const { version: _omitted, ...withoutVersion } = artifact;
    expect(() => digestOf({ artifacts: [withoutVersion] })).toThrow(/no column version/);
    expect(() => digestOf({ artifacts: [{ ...artifact, created_at: new Date() }] })).toThrow(TypeError);
  });
});
