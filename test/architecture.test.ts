import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const importsOf = (file: string): string[] =>
  [...readFileSync(join(root, file), 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1] as string);

describe('the layout tells the architecture', () => {
  it('keeps src/ (the endpoint under test) free of imports from the harness and later stages', () => {
    const offending = sources('src').flatMap((file) =>
      importsOf(file)
        .filter((spec) => /(^|\/)(harness|reports|scenarios|fixtures|test)\//.test(spec))
        .map((spec) => `${file} imports ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps each stage from importing the stages after it', () => {
    // profile -> fixture -> scenario -> harness -> reports: a stage reads what came before only.
    const later: Record<string, RegExp> = {
      fixtures: /(^|\/)(harness|reports|scenarios)\//,
      scenarios: /(^|\/)(harness|reports)\//,
    };
    const offending = Object.entries(later).flatMap(([dir, pattern]) =>
      sources(dir).flatMap((file) => importsOf(file).filter((spec) => pattern.test(spec)).map((spec) => `${file} imports ${spec}`)),
    );
    expect(offending).toEqual([]);
  });

  it('asks which database it is on only in the dialect modules and adapters', () => {
    const allowed = /^(src\/dialect\/|harness\/db\/)/;
    const offending = ['src', 'harness', 'reports', 'scenarios', 'fixtures']
      .flatMap(sources)
      .filter((file) => !allowed.test(file))
      .filter((file) => /client\s*===|config\.client|client:\s*'(pg|better-sqlite3)'/.test(readFileSync(join(root, file), 'utf8')));
    expect(offending).toEqual([]);
  });
});
