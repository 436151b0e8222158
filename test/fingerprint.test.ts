import knex, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, isTransactionControl } from '../harness/instrument/fingerprint.js';

describe('fingerprint', () => {
  it.each([
    // case and whitespace
    ['SELECT  *\n\tFROM artifacts   WHERE id = ?', 'select * from artifacts where id = ?'],
    ['  select id from t ;  ', 'select id from t'],
    ['select count( * ) from t', 'select count(*) from t'],
    ['select a ,b,  c from t', 'select a, b, c from t'],
    // string literals, with escaped quotes, and what looks like syntax inside them
    ["select * from t where name = 'skill'", 'select * from t where name = ?'],
    ["select * from t where name = 'O''Brien'", 'select * from t where name = ?'],
    ["select * from t where a = 'x, (1, 2) -- \"y\"' and b = ''", 'select * from t where a = ? and b = ?'],
    ["select * from t where a = E'it\\'s' and b = 'c'", 'select * from t where a = ? and b = ?'],
    ["select * from t where a = 'UPPER Case'", 'select * from t where a = ?'],
    // numbers, but not the digits of identifiers
    ['select * from t1 where col_2 = 5 and x3 > 10', 'select * from t1 where col_2 = ? and x3 > ?'],
    ['select * from t where a = -3.5e2 and b < 0.25 and c = .5', 'select * from t where a = ? and b < ? and c = ?'],
    ['select t2.c3 from t2 limit 50 offset 100', 'select t2.c3 from t2 limit ? offset ?'],
    // placeholders of both dialects
    ['select * from t where a = $1 and b = $2 limit $12', 'select * from t where a = ? and b = ? limit ?'],
    ['select * from t where a = ? and b = ? limit ?', 'select * from t where a = ? and b = ? limit ?'],
    // IN-lists of one and of many items collapse
    ['select * from t where id in (?)', 'select * from t where id in (...)'],
    ['select * from t where id in (?, ?, ?, ?)', 'select * from t where id in (...)'],
    ['select * from t where id in ($1, $2, $3)', 'select * from t where id in (...)'],
    ['select * from t where id IN(1,2,3)', 'select * from t where id in (...)'],
    ["select * from t where id not in ('a', 'b')", 'select * from t where id not in (...)'],
    // ...but a subquery is not a list
    ['select * from t where id in (select a_id from u where x = 1)', 'select * from t where id in (select a_id from u where x = ?)'],
    // VALUES: one row and many rows are the same statement
    ['insert into t (a, b) values (?, ?)', 'insert into t (a, b) values (...)'],
    ['insert into t (a, b) values (?, ?), (?, ?), (?, ?)', 'insert into t (a, b) values (...)'],
    ["INSERT INTO t (a, b) VALUES ($1, $2),($3, $4)", 'insert into t (a, b) values (...)'],
    ["insert into t (a, b) values (1, 'x'), (2, 'y')", 'insert into t (a, b) values (...)'],
    // quoted identifiers of both dialects
    ['select "a"."id" from "artifacts" as "a"', 'select a.id from artifacts as a'],
    ['select `a`.`id` from `artifacts` as `a`', 'select a.id from artifacts as a'],
    ['select "t1"."col_2" from "t1"', 'select t1.col_2 from t1'],
    // transaction control as knex sends it
    ['BEGIN;', 'begin'],
    ['COMMIT;', 'commit'],
    ['ROLLBACK', 'rollback'],
  ])('%j -> %j', (input, expected) => {
    expect(fingerprint(input)).toBe(expected);
  });

  it('gives the same fingerprint for the same statement with other values', () => {
    expect(fingerprint("select * from t where a = 'x' and b in (1, 2) limit 10")).toBe(
      fingerprint("select * from t where a = 'other' and b in (7) limit 20"),
    );
  });

  it('keeps different statements apart', () => {
    expect(fingerprint('select * from t where a = ?')).not.toBe(fingerprint('select * from t where b = ?'));
    expect(fingerprint('select * from t1')).not.toBe(fingerprint('select * from t2'));
    expect(fingerprint('select * from t where a in (?)')).not.toBe(fingerprint('select * from t where a not in (?)'));
  });
});

describe('fingerprints of one knex query on both dialects', () => {
  // toSQL() compiles without connecting. pg's toSQL().sql uses ?; toNative() gives $1, $2, ...
  const pg = knex({ client: 'pg' });
  const sqlite = knex({ client: 'better-sqlite3', useNullAsDefault: true });
  afterAll(async () => {
    await pg.destroy();
    await sqlite.destroy();
  });

  const queries: [string, (db: Knex) => Knex.QueryBuilder | Knex.Raw][] = [
    ['a page with a row-value cursor', (db) =>
      db('artifacts')
        .select('artifacts.id', 'artifacts.name')
        .where('artifacts.type', 'skill')
        .whereRaw('(artifacts.type, artifacts.name) > (?, ?)', ['skill', 'b'])
        .orderBy([{ column: 'artifacts.type' }, { column: 'artifacts.name' }])
        .limit(51)],
    ['memberships of a page (IN-list)', (db) =>
      db('collection_artifacts as ca')
        .join('collections as c', 'c.id', 'ca.collection_id')
        .whereIn('ca.artifact_id', ['a', 'b', 'c'])
        .select('ca.artifact_id', 'c.id', 'c.name')],
    ['a GROUP BY count', (db) => db('collection_artifacts').whereIn('collection_id', ['x']).groupBy('collection_id').select('collection_id').count({ n: '*' })],
    ['a COUNT with first()', (db) => db('collection_artifacts').where('collection_id', 'c1').count({ n: '*' }).first()],
    ['a subquery filter', (db) =>
      db('artifacts').whereIn('id', db('artifact_tags as at').join('tags as t', 't.id', 'at.tag_id').whereIn('t.name', ['x', 'y']).select('at.artifact_id')).count({ n: '*' })],
    ['an update', (db) => db('artifacts').where('id', 'a').update({ name: 'b', version: '2' })],
    ['a delete', (db) => db('artifact_tags').where('artifact_id', 'a').whereIn('tag_id', [1, 2]).del()],
    ['a one-row insert', (db) => db('tags').insert({ id: 1, name: 'x' })],
    ['a raw statement', (db) => db.raw('select count(*) as n from artifacts where type = ?', ['skill'])],
  ];

  it.each(queries)('%s', (_, build) => {
    const onPg = build(pg).toSQL();
    const onSqlite = build(sqlite).toSQL();
    // The quoting differs (" on pg, ` on SQLite) except in raw SQL; the fingerprint does not.
    expect(fingerprint(onPg.sql)).toBe(fingerprint(onSqlite.sql));
    expect(fingerprint(onPg.toNative().sql)).toBe(fingerprint(onSqlite.sql));
  });

  it('gives IN-lists of 1 and of 50 items one fingerprint on both dialects', () => {
    const build = (db: Knex, n: number) => db('collection_artifacts').whereIn('artifact_id', Array.from({ length: n }, (_, i) => `a${i}`)).select('*');
    const shapes = new Set([pg, sqlite].flatMap((db) => [1, 50].flatMap((n) => [fingerprint(build(db, n).toSQL().sql), fingerprint(build(db, n).toSQL().toNative().sql)])));
    expect([...shapes]).toEqual(['select * from collection_artifacts where artifact_id in (...)']);
  });

  it('gives multi-row inserts one fingerprint on pg, whatever the number of rows', () => {
    // knex compiles a multi-row insert on SQLite as INSERT ... SELECT ? UNION ALL SELECT ?, a
    // different statement; the endpoint never inserts, so only pg's VALUES form is checked.
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, name: `t${i}` }));
    expect(fingerprint(pg('tags').insert(rows(3)).toSQL().toNative().sql)).toBe('insert into tags (id, name) values (...)');
    expect(fingerprint(pg('tags').insert(rows(1)).toSQL().toNative().sql)).toBe('insert into tags (id, name) values (...)');
  });
});

describe('isTransactionControl', () => {
  it.each([
    ['BEGIN;', true],
    ['begin', true],
    ['COMMIT;', true],
    ['ROLLBACK', true],
    ['SAVEPOINT trx2;', true],
    ['RELEASE SAVEPOINT trx2;', true],
    ['ROLLBACK TO SAVEPOINT trx2', true],
    ['SET TRANSACTION ISOLATION LEVEL serializable;', true],
    ['  start transaction', true],
    ['select * from begins', false],
    ['select begin from t', false],
    ['insert into commits (id) values (?)', false],
    ["update t set state = 'commit'", false],
  ] as const)('%j -> %s', (sql, expected) => {
    expect(isTransactionControl(sql)).toBe(expected);
  });
});
