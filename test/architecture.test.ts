import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    // Generated output (reports/out, with the exported revisions of --against) is not the project's source.
    .filter((file) => !file.startsWith('reports/out/'));
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

  // profile -> fixture -> scenario -> harness -> reports, and the entry points (CLI, benches) that
  // wire them together. A file may import its own stage or earlier ones, never a later one.
  const STAGES = ['src', 'fixtures', 'scenarios', 'harness', 'reports', 'entry points'] as const;
  const rank = (stage: string) => STAGES.indexOf(stage as (typeof STAGES)[number]);
  const stageOf = (file: string): string => {
    const [top, sub] = file.split('/');
    return top === 'harness' && (sub === 'cli' || sub === 'bench') ? 'entry points' : (top as string);
  };
  const resolveImport = (file: string, spec: string): string | null =>
    spec.startsWith('.') ? relative(root, join(root, file, '..', spec)).replace(/\.js$/, '.ts') : null;
  const edges = () =>
    ['fixtures', 'scenarios', 'harness', 'reports'].flatMap(sources).flatMap((file) =>
      importsOf(file)
        .map((spec) => resolveImport(file, spec))
        .filter((target): target is string => target !== null)
        .map((target) => ({ file, target, from: stageOf(file), to: stageOf(target) })),
    );

  it('keeps each stage from importing the stages after it, so there is no cycle between them', () => {
    const offending = edges()
      .filter((e) => e.from !== e.to && !(rank(e.to) < rank(e.from)))
      .map((e) => `${e.file} (${e.from}) imports ${e.target} (${e.to})`);
    expect(offending).toEqual([]);
  });

  it('lets reports read only the result contract (core), the verdicts (judge), the pure statistics and the statement normalization of the harness', () => {
    const shared = /^harness\/((core|judge|stats)\/[a-z0-9-]+|result|errors|statistics|quantile-interval|paired-statistics|round-bootstrap|normal-distribution|random|instrument\/fingerprint)\.ts$/;
    const offending = edges()
      .filter((e) => e.from === 'reports' && e.to === 'harness' && !shared.test(e.target))
      .map((e) => `${e.file} imports ${e.target}`);
    expect(offending).toEqual([]);
  });

  it('keeps the harness core free of its entry points: nothing but the CLI and the benches imports them', () => {
    const offending = edges()
      .filter((e) => e.to === 'entry points' && e.from !== 'entry points')
      .map((e) => `${e.file} imports ${e.target}`);
    expect(offending).toEqual([]);
  });

  it('keeps the judge and the statistics pure: no database, runner, git or file access', () => {
    const offending = edges()
      .filter((e) => /^harness\/(judge|stats)\//.test(e.file) && /^harness\/(db|runner|git|instrument\/query-recorder|fixture-store|process-registry)/.test(e.target))
      .map((e) => `${e.file} imports ${e.target}`);
    const io = sources('harness/judge').concat(sources('harness/stats')).filter((file) => /from 'node:(fs|child_process|net|http)/.test(readFileSync(join(root, file), 'utf8')));
    expect([...offending, ...io]).toEqual([]);
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
