import type { SqlDialect } from './sql-dialect.js';

// One UPDATE per affected collection: the row's own count moves by one, so the trigger costs the
// same whatever the collection's size. Rows skipped by INSERT OR IGNORE / ON CONFLICT DO NOTHING
// fire nothing. (INSERT OR REPLACE would not fire the delete trigger unless recursive_triggers is
// on: the write paths never use it.)
const countTriggers = [
  `create trigger collection_artifacts_count_insert after insert on collection_artifacts
   begin
     update collections set artifact_count = artifact_count + 1 where id = new.collection_id;
   end`,
  `create trigger collection_artifacts_count_delete after delete on collection_artifacts
   begin
     update collections set artifact_count = artifact_count - 1 where id = old.collection_id;
   end`,
  `create trigger collection_artifacts_count_move after update of collection_id on collection_artifacts
   when old.collection_id is not new.collection_id
   begin
     update collections set artifact_count = artifact_count - 1 where id = old.collection_id;
     update collections set artifact_count = artifact_count + 1 where id = new.collection_id;
   end`,
] as const;

// Correlated subqueries: SQLite answers each with index searches (artifact_tags' and
// collection_artifacts' artifact_id, then the primary keys). Its text comparison (BINARY) is byte
// order, the contract's order. The json() wrappers keep the subqueries' arrays as JSON: a JSON
// value loses its subtype across a subquery boundary and would be embedded as a string.
const itemsJson = (rows: string): string => `select json_group_array(json_object(
    'id', p.id, 'name', p.name, 'type', p.type, 'source', p.source,
    'version', p.version, 'description', p.description,
    'created_at', p.created_at, 'updated_at', p.updated_at,
    'tags', json((select json_group_array(t.name order by t.name)
                  from artifact_tags at join tags t on t.id = at.tag_id
                  where at.artifact_id = p.id)),
    'collections', json((select json_group_array(json_object('id', c.id, 'name', c.name, 'artifact_count', c.artifact_count) order by c.name)
                         from collection_artifacts ca join collections c on c.id = ca.collection_id
                         where ca.artifact_id = p.id))
  ) order by p.type, p.name)
  from ${rows} p`;

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  countTriggers,
  // SQLite compares text bytewise (BINARY) unless told otherwise.
  orderedText: (length) => `varchar(${length})`,
  pageFromMatchingSet: false,
  itemsJson,
};
