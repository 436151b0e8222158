/**
 * How the service connects to its database, as a deployment would configure it: pool sizes and
 * what every new connection is set up with. The service owns these (a pull request may change
 * them like any code); whoever runs it supplies only where the database is. They are data, so
 * that two revisions' settings can be compared and each side of a comparison opened with its own.
 */
export interface DatabaseSettings {
  /** Connections per pool, by database. SQLite serializes on one connection. */
  pool: { sqlite: number; postgres: number };
  /** `pragma NAME = VALUE` on every new SQLite connection, in this order. */
  sqlitePragmas: Readonly<Record<string, string | number>>;
  /** Postgres run-time settings of every connection, given at connection start (`-c NAME=VALUE`). */
  postgresSettings: Readonly<Record<string, string | number>>;
}

export const DATABASE_SETTINGS: Readonly<DatabaseSettings> = {
  pool: { sqlite: 1, postgres: 4 },
  sqlitePragmas: {},
  postgresSettings: {},
};
