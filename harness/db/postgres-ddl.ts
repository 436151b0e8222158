import type { Knex } from 'knex';

/** A Postgres identifier, quoted. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Postgres's DialectAdapter.deferIndexes: drops the foreign keys, unique constraints and plain
 * secondary indexes of the current schema (primary keys and checks stay), and returns what adds
 * them back from their own definitions (pg_get_constraintdef, pg_indexes), indexes first.
 */
export async function deferPostgresIndexes(db: Knex): Promise<() => Promise<void>> {
  const constraints = (
    (await db.raw(
      `select conrelid::regclass::text as tbl, conname as name, contype as kind, pg_get_constraintdef(oid) as def
         from pg_constraint where connamespace = current_schema()::regnamespace and contype in ('f', 'u')
         order by contype, conname`,
    )) as { rows: { tbl: string; name: string; kind: 'f' | 'u'; def: string }[] }
  ).rows;
  const indexes = (
    (await db.raw(
      `select indexname as name, indexdef as def from pg_indexes i
         where schemaname = current_schema()
           and not exists (select 1 from pg_constraint c where c.conname = i.indexname and c.connamespace = current_schema()::regnamespace)
         order by indexname`,
    )) as { rows: { name: string; def: string }[] }
  ).rows;
  // Foreign keys first ('f' sorts before 'u'): a unique constraint may be what one references.
  for (const c of constraints) await db.raw(`alter table ${c.tbl} drop constraint ${ident(c.name)}`);
  for (const i of indexes) await db.raw(`drop index ${ident(i.name)}`);
  return async () => {
    for (const i of indexes) await db.raw(i.def);
    for (const c of [...constraints].reverse()) await db.raw(`alter table ${c.tbl} add constraint ${ident(c.name)} ${c.def}`);
  };
}
