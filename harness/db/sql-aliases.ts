/** Maps each alias (and table name) in a statement's FROM/JOIN clauses to its table. */
export function tablesByAlias(sql: string): Map<string, string> {
  const map = new Map<string, string>();
  // knex quotes identifiers with " on Postgres and ` on SQLite.
  const pattern = /\b(?:from|join)\s+[`"]?(\w+)[`"]?(?:\s+(?:as\s+)?[`"]?(\w+)[`"]?)?/gi;
  const keywords = new Set(['where', 'inner', 'left', 'right', 'join', 'on', 'group', 'order', 'limit', 'using', 'cross', 'outer']);
  for (const match of sql.matchAll(pattern)) {
    const table = match[1];
    if (table === undefined) continue;
    map.set(table, table);
    const alias = match[2];
    if (alias !== undefined && !keywords.has(alias.toLowerCase())) map.set(alias, table);
  }
  return map;
}
