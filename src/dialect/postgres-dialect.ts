import type { SqlDialect } from './sql-dialect.js';

// One function for the three triggers. Row-level AFTER triggers run once per row actually
// written, so rows skipped by ON CONFLICT DO NOTHING fire nothing. The UPDATE takes the
// collection's row lock and re-reads its latest version, so concurrent writers never lose an
// increment. Table names stay unqualified: they resolve through the connection's search_path,
// so the function keeps working when the fixture's schema is renamed into place. (TRUNCATE
// bypasses row triggers: the write paths never use it.)
const countTriggers = [
  `create function collection_artifacts_count() returns trigger language plpgsql as $$
   begin
     if tg_op in ('DELETE', 'UPDATE') then
       update collections set artifact_count = artifact_count - 1 where id = old.collection_id;
     end if;
     if tg_op in ('INSERT', 'UPDATE') then
       update collections set artifact_count = artifact_count + 1 where id = new.collection_id;
     end if;
     return null;
   end
   $$`,
  `create trigger collection_artifacts_count_insert_delete after insert or delete on collection_artifacts
   for each row execute function collection_artifacts_count()`,
  `create trigger collection_artifacts_count_move after update of collection_id on collection_artifacts
   for each row when (old.collection_id is distinct from new.collection_id)
   execute function collection_artifacts_count()`,
] as const;

// Tags and collections aggregated per artifact for the whole page at once (one join and GROUP BY
// each), then joined to the page: half the time of correlated subqueries, which Postgres
// runs as one hash join over all tags and all collections per artifact. collate "C" is byte
// order, the contract's order, whatever the database's default collation. json_agg over no rows
// is null, hence the coalesces.
const itemsJson = (rows: string): string => `select json_agg(json_build_object(
    'id', p.id, 'name', p.name, 'type', p.type, 'source', p.source,
    'version', p.version, 'description', p.description,
    'created_at', p.created_at, 'updated_at', p.updated_at,
    'tags', coalesce(pt.tags, '[]'::json),
    'collections', coalesce(pc.collections, '[]'::json)
  ) order by p.type, p.name)
  from ${rows} p
  left join (select at.artifact_id, json_agg(t.name order by t.name collate "C") as tags
             from ${rows} r join artifact_tags at on at.artifact_id = r.id join tags t on t.id = at.tag_id
             group by at.artifact_id) pt on pt.artifact_id = p.id
  left join (select ca.artifact_id,
                    json_agg(json_build_object('id', c.id, 'name', c.name, 'artifact_count', c.artifact_count) order by c.name collate "C") as collections
             from ${rows} r join collection_artifacts ca on ca.artifact_id = r.id join collections c on c.id = ca.collection_id
             group by ca.artifact_id) pc on pc.artifact_id = p.id`;

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  countTriggers,
  // The server's or database's default collation may be a locale's (en_US sorts 'a-b' after 'ab').
  orderedText: (length) => `varchar(${length}) collate "C"`,
  pageFromMatchingSet: true,
  itemsJson,
};
