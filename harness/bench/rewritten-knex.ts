import type { Knex } from 'knex';

/**
 * knex whose query builders on one table (as the code names it, e.g. 'artifact_tags as at') pass
 * through `edit` first: an implementation's own code runs unchanged on it, with one of its
 * statements altered. How the injected regressions change a statement without copying the code.
 */
export function withBuilderEdit(db: Knex, table: string, edit: (builder: Knex.QueryBuilder) => Knex.QueryBuilder): Knex {
  return new Proxy(db, {
    apply(target, thisArg, args: unknown[]) {
      const builder = Reflect.apply(target, thisArg, args) as Knex.QueryBuilder;
      return args[0] === table ? edit(builder) : builder;
    },
  });
}
