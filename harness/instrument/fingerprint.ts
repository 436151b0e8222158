/**
 * The shape of a statement, with its values taken out: the same query issued with other values,
 * on either dialect, gets the same fingerprint.
 */
export function fingerprint(sql: string): string {
  return (
    sql
      // String literals first, so nothing inside them is mistaken for syntax.
      .replace(/'(?:[^']|'')*'/g, '?')
      // Quoted identifiers: knex quotes with " on Postgres and ` on SQLite.
      .replace(/[`"]/g, '')
      .replace(/\$\d+/g, '?')
      .replace(/(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/gi, '?')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase()
      .replace(/\(\s*/g, '(')
      .replace(/\s*\)/g, ')')
      .replace(/\s*,\s*/g, ', ')
      // IN-lists of any length are one shape: in (?, ?, ?) -> in (...)
      .replace(/\bin \(\?(?:, \?)*\)/g, 'in (...)')
      // Multi-row VALUES likewise.
      .replace(/values \((?:\?, )*\?\)(?:, \((?:\?, )*\?\))+/g, 'values (...)')
  );
}

/** BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE: executed by the server, but not the request's own queries. */
export function isTransactionControl(sql: string): boolean {
  return /^\s*(begin|commit|rollback|savepoint|release|start transaction)\b/i.test(sql);
}
