import { describe, expect, it } from 'vitest';
import { ArtifactNames } from '../fixtures/artifact-names.js';
import { checksumRows } from '../fixtures/checksum.js';
import { CollectionNames } from '../fixtures/collection-names.js';
import type { CollectionNameStyle } from '../fixtures/collection-names.js';
import { generateFixture } from '../fixtures/generator.js';
import type { Fixture } from '../fixtures/generator.js';
import { PROFILES, PROFILE_NAMES, isProfileName } from '../fixtures/profiles.js';
import { iso } from '../fixtures/link-rows.js';
import { MAX_TAGS, tagNames } from '../fixtures/tag-names.js';
import * as vocabulary from '../fixtures/vocabulary.js';
import { ARTIFACT_TYPES, PRIMARY_KEYS, TABLES } from '../src/schema.js';
import type { TableName, TableRows } from '../src/schema.js';

type AllRows = { [T in TableName]: TableRows[T][] };

function collect(fixture: Fixture): AllRows {
  const out = {} as Record<TableName, unknown[]>;
  for (const table of TABLES) out[table] = [...fixture.rows(table)].flat();
  return out as AllRows;
}

const small = generateFixture(PROFILES.small, 42);
const rows = collect(small);

const ARTIFACT_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const COLLECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;
const TAG_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const ISO = /^20(23|24|25)-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const HEX32 = /^[0-9a-f]{32}$/;

describe('determinism', () => {
  it('yields identical rows on a second pass and from a second generator', () => {
    expect(collect(small)).toEqual(rows);
    expect(collect(generateFixture(PROFILES.small, 42))).toEqual(rows);
  });

  it('yields the same checksum every time', () => {
    expect(checksumRows(generateFixture(PROFILES.small, 42))).toBe(checksumRows(small));
  });

  // A pinned value catches what a same-process comparison cannot: a dependency on the clock,
  // the locale, the platform or a library's data. If the output changes on purpose, bump
  // GENERATOR_VERSION and update this value.
  it('matches the pinned checksum of small/42', () => {
    expect(checksumRows(small)).toBe('2c4c83ea690b7e5d304ff8818d1eb5de768ff80094c26b4b6f3357039fc11087');
  });

  it('changes with the seed', () => {
    const other = generateFixture(PROFILES.small, 43);
    expect(checksumRows(other)).not.toBe(checksumRows(small));
    expect(collect(other).artifacts.map((a) => a.id)).not.toEqual(rows.artifacts.map((a) => a.id));
  });

  it('does not depend on the batch size or on interleaving tables', () => {
    const fine = generateFixture(PROFILES.small, 42, { batchSize: 7 });
    const batches = [...fine.rows('collection_artifacts')];
    expect(batches.every((b) => b.length > 0 && b.length <= 7)).toBe(true);
    expect(batches.flat()).toEqual(rows.collection_artifacts);

    const a = fine.rows('artifacts')[Symbol.iterator]();
    const g = fine.rows('group_artifacts')[Symbol.iterator]();
    const artifacts: unknown[] = [];
    const groupArtifacts: unknown[] = [];
    for (let ra = a.next(), rg = g.next(); !ra.done || !rg.done; ra = a.next(), rg = g.next()) {
      if (!ra.done) artifacts.push(...ra.value);
      if (!rg.done) groupArtifacts.push(...rg.value);
    }
    expect(artifacts).toEqual(rows.artifacts);
    expect(groupArtifacts).toEqual(rows.group_artifacts);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => generateFixture(PROFILES.small, 1.5)).toThrow(RangeError);
  });
});

describe('small profile shape', () => {
  it('has the stated counts, and counts() agrees with the rows', () => {
    expect(rows.artifacts).toHaveLength(1000);
    expect(rows.collections).toHaveLength(20);
    expect(rows.tags).toHaveLength(100);
    const actual = Object.fromEntries(TABLES.map((t) => [t, rows[t].length]));
    expect(small.counts()).toEqual(actual);
  });

  it('has no duplicate keys', () => {
    for (const table of TABLES) {
      const keys = PRIMARY_KEYS[table] as readonly string[];
      const seen = new Set(rows[table].map((r) => keys.map((k) => String((r as unknown as Record<string, unknown>)[k])).join('\u0000')));
      expect(seen.size, table).toBe(rows[table].length);
    }
    expect(new Set(rows.artifacts.map((a) => `${a.type}/${a.name}`)).size).toBe(rows.artifacts.length);
    expect(new Set(rows.collections.map((c) => c.name)).size).toBe(rows.collections.length);
    expect(new Set(rows.tags.map((t) => t.name)).size).toBe(rows.tags.length);
  });

  it('gives every artifact 1 to 4 memberships, 2 on average', () => {
    const per = new Map<string, number>();
    for (const m of rows.collection_artifacts) per.set(m.artifact_id, (per.get(m.artifact_id) ?? 0) + 1);
    expect(per.size).toBe(rows.artifacts.length);
    const counts = [...per.values()];
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(4);
    const mean = rows.collection_artifacts.length / rows.artifacts.length;
    expect(mean).toBeGreaterThan(1.7);
    expect(mean).toBeLessThan(2.3);
  });

  it('points every link at rows that exist', () => {
    const artifacts = new Map(rows.artifacts.map((a) => [a.id, a]));
    const collections = new Map(rows.collections.map((c) => [c.id, c]));
    const tagIds = new Set(rows.tags.map((t) => t.id));
    for (const m of rows.collection_artifacts) {
      const artifact = artifacts.get(m.artifact_id);
      const collection = collections.get(m.collection_id);
      expect(artifact, m.artifact_id).toBeDefined();
      expect(collection, m.collection_id).toBeDefined();
      expect(m.added_at >= (artifact?.created_at ?? '')).toBe(true);
      expect(m.added_at >= (collection?.created_at ?? '')).toBe(true);
    }
    for (const g of rows.groups) expect(collections.has(g.collection_id)).toBe(true);
    for (const t of rows.artifact_tags) {
      expect(artifacts.has(t.artifact_id)).toBe(true);
      expect(tagIds.has(t.tag_id)).toBe(true);
    }
  });

  it('files group members only from the group collection', () => {
    const members = new Set(rows.collection_artifacts.map((m) => `${m.collection_id}|${m.artifact_id}`));
    const groupCollection = new Map(rows.groups.map((g) => [g.id, g.collection_id]));
    expect(rows.group_artifacts.length).toBeGreaterThan(0);
    for (const ga of rows.group_artifacts) {
      const collectionId = groupCollection.get(ga.group_id);
      expect(collectionId, ga.group_id).toBeDefined();
      expect(members.has(`${collectionId}|${ga.artifact_id}`)).toBe(true);
    }
  });

  it('numbers positions 0..n-1 within each collection and each group', () => {
    const positions = (pairs: [string, number][]): void => {
      const by = new Map<string, number[]>();
      for (const [key, p] of pairs) by.set(key, [...(by.get(key) ?? []), p]);
      for (const ps of by.values()) expect(ps.sort((x, y) => x - y)).toEqual(ps.map((_, k) => k));
    };
    positions(rows.groups.map((g) => [g.collection_id, g.position]));
    positions(rows.group_artifacts.map((g) => [g.group_id, g.position]));
  });

  it('skews collection sizes: the largest is at least 5x the median', () => {
    const sizes = new Map<string, number>(rows.collections.map((c) => [c.id, 0]));
    for (const m of rows.collection_artifacts) sizes.set(m.collection_id, (sizes.get(m.collection_id) ?? 0) + 1);
    const sorted = [...sizes.values()].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1] ?? 0;
    expect(median).toBeGreaterThan(0);
    expect(sorted.at(-1) ?? 0).toBeGreaterThanOrEqual(5 * median);
  });

  it('writes artifacts that look real', () => {
    const byType = new Map<string, number>();
    for (const a of rows.artifacts) {
      expect(a.name).toMatch(ARTIFACT_NAME);
      expect(a.id).toBe(`${a.type}:${a.name}`);
      expect(ARTIFACT_TYPES).toContain(a.type);
      expect(a.source).toMatch(/^github:[a-z0-9-]+\/[a-z0-9-]+(\/[a-z0-9._-]+)+$/);
      expect(a.source.endsWith(`/${a.name}`)).toBe(true);
      if (a.version !== null) expect(a.version).toMatch(/^\d+\.\d+\.\d+(-(beta|rc)\.\d+)?$/);
      if (a.description !== null) expect(a.description).toMatch(/^[A-Z].*\.$/);
      expect(a.created_at).toMatch(ISO);
      expect(a.updated_at).toMatch(ISO);
      expect(a.updated_at >= a.created_at).toBe(true);
      byType.set(a.type, (byType.get(a.type) ?? 0) + 1);
    }
    const ranked = [...byType.entries()].sort((x, y) => y[1] - x[1]).map(([t]) => t);
    expect(ranked.slice(0, 2).sort()).toEqual(['command', 'skill']);
    expect(rows.artifacts.some((a) => a.version === null)).toBe(true);
  });

  it('writes collections, groups and tags that look real', () => {
    for (const c of rows.collections) {
      expect(c.id).toMatch(HEX32);
      expect(c.name).toMatch(COLLECTION_NAME);
      expect(c.updated_at >= c.created_at).toBe(true);
    }
    for (const g of rows.groups) {
      expect(g.id).toMatch(HEX32);
      expect(g.name.length).toBeGreaterThan(0);
    }
    expect(rows.tags.map((t) => t.id)).toEqual(rows.tags.map((_, k) => k + 1));
    for (const t of rows.tags) expect(t.name).toMatch(TAG_NAME);
  });
});

describe('names', () => {
  it('keeps the vocabulary free of duplicates and of separators in name parts', () => {
    const parts: Record<string, readonly string[]> = {
      DOMAINS: vocabulary.DOMAINS,
      ACTIONS: vocabulary.ACTIONS.map(([w]) => w),
      MODIFIERS: vocabulary.MODIFIERS,
      COLLECTION_THEMES: vocabulary.COLLECTION_THEMES,
      COLLECTION_NOUNS: vocabulary.COLLECTION_NOUNS,
      SUFFIXES: Object.values(vocabulary.TYPE_SUFFIXES).flat(),
    };
    for (const [list, words] of Object.entries(parts)) {
      expect(new Set(words.map((w) => w.toLowerCase())).size, list).toBe(words.length);
      for (const w of words) expect(w, list).toMatch(/^[A-Za-z0-9]+$/);
    }
    const actions = new Set(parts.ACTIONS);
    for (const s of parts.SUFFIXES ?? []) expect(actions.has(s) || /^\d+$/.test(s), s).toBe(false);
    expect(new Set(vocabulary.GROUP_NAMES).size).toBe(vocabulary.GROUP_NAMES.length);
  });

  it('keeps artifact base names unique at xl scale', () => {
    const total = PROFILES.xl.artifacts;
    const names = new ArtifactNames(total, 12345);
    const seen = new Set<string>();
    const malformed: string[] = [];
    for (let i = 0; i < total; i++) {
      const { name } = names.at(i);
      if (!ARTIFACT_NAME.test(name)) malformed.push(name);
      seen.add(name);
    }
    expect(malformed).toEqual([]);
    expect(seen.size).toBe(total);
  });

  it('keeps collection names unique across styles beyond the theme/noun pairs', () => {
    const names = new CollectionNames(99);
    const styles: CollectionNameStyle[] = ['title', 'kebab', 'lower'];
    const all = Array.from({ length: 6000 }, (_, c) => names.at(c, styles[c % 3] ?? 'title'));
    expect(new Set(all).size).toBe(all.length);
    for (const n of all) expect(n).toMatch(COLLECTION_NAME);
  });

  it('offers enough distinct tag names for every profile', () => {
    const all = tagNames(MAX_TAGS);
    expect(new Set(all).size).toBe(all.length);
    for (const n of all) expect(n).toMatch(TAG_NAME);
    for (const p of Object.values(PROFILES)) expect(p.tags).toBeLessThanOrEqual(MAX_TAGS);
    expect(() => tagNames(MAX_TAGS + 1)).toThrow(RangeError);
  });
});

describe('profiles', () => {
  it('names every profile and recognises only those names', () => {
    for (const name of PROFILE_NAMES) {
      expect(isProfileName(name)).toBe(true);
      expect(PROFILES[name].name).toBe(name);
    }
    expect(isProfileName('medium')).toBe(false);
    expect(isProfileName('toString')).toBe(false);
  });

  it('grows from small to xl', () => {
    const sizes = PROFILE_NAMES.map((n) => PROFILES[n].artifacts);
    expect(sizes).toEqual([1_000, 10_000, 100_000, 1_000_000]);
    expect(PROFILE_NAMES.map((n) => PROFILES[n].collections)).toEqual([20, 200, 1_000, 5_000]);
  });
});

describe('iso', () => {
  it('writes what toISOString writes, at day, hour and year boundaries and anywhere between', () => {
    const day = 86_400_000;
    const edges = [0, 1, 999, 1000, day - 1, day, Date.UTC(2023, 0, 1), Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2025, 11, 31, 23, 59, 59, 999), Date.UTC(2026, 0, 1)];
    let s = 12345;
    const random = Array.from({ length: 20_000 }, () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return Date.UTC(2020, 0, 1) + (s % (10 * 365)) * day + ((s >>> 3) % day);
    });
    for (const ms of [...edges, ...random]) expect(iso(ms), String(ms)).toBe(new Date(ms).toISOString());
    // Outside the fast path's range it is toISOString itself.
    for (const ms of [-1, 253_402_300_800_000, 1.5]) expect(iso(ms)).toBe(new Date(ms).toISOString());
  });
});
