import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@babel/parser';
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
    const shared = /^harness\/((core|judge|stats)\/[a-z0-9-]+|instrument\/fingerprint)\.ts$/;
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
      .filter((e) => /^harness\/(judge|stats)\//.test(e.file) && /^harness\/(db|runner|git|system|instrument\/query-recorder|fixture-store)/.test(e.target))
      .map((e) => `${e.file} imports ${e.target}`);
    const io = sources('harness/judge').concat(sources('harness/stats')).filter((file) => /from 'node:(fs|child_process|net|http)/.test(readFileSync(join(root, file), 'utf8')));
    expect([...offending, ...io]).toEqual([]);
  });

  // The harness's rooms, each with the rooms it may read. Lower rooms never read higher ones, so the
  // table is the house's plan: pure maths, the result contract, the machine, the databases, the
  // fixtures, the runner; the judge reads measurements, never a database; the CLI and the
  // benches wire everything together.
  const ROOMS: Record<string, readonly string[]> = {
    stats: [],
    core: ['stats'],
    system: ['core'],
    instrument: ['core'],
    db: ['core', 'system'],
    'fixture-store': ['core', 'db', 'system'],
    git: ['core', 'system'],
    judge: ['core', 'stats', 'instrument'],
    runner: ['core', 'stats', 'system', 'instrument', 'db', 'fixture-store', 'git'],
  };
  const roomOf = (file: string): string | null => (file.startsWith('harness/') ? (file.split('/').length > 2 ? (file.split('/')[1] as string) : '') : null);

  it('keeps every harness file in a room of the plan (no loose files), and each room reading only the rooms below it', () => {
    const unplanned = sources('harness').map(roomOf).filter((room) => room !== null && !(room in ROOMS) && room !== 'cli' && room !== 'bench');
    const offending = edges()
      .filter((e) => roomOf(e.file) !== null && roomOf(e.target) !== null)
      .filter((e) => {
        const from = roomOf(e.file) as string;
        const to = roomOf(e.target) as string;
        return from in ROOMS && from !== to && !(ROOMS[from] as readonly string[]).includes(to);
      })
      .map((e) => `${e.file} (${roomOf(e.file)}) imports ${e.target} (${roomOf(e.target)})`);
    expect([...new Set(unplanned)].map((room) => `harness/${room || '*.ts'} is in no room of the plan`)).toEqual([]);
    expect(offending).toEqual([]);
  });

  it('keeps the statistics one room of pure maths that imports nothing outside itself', () => {
    const offending = sources('harness/stats').flatMap((file) =>
      importsOf(file)
        .filter((spec) => !/^\.\/[a-z0-9-]+\.js$/.test(spec))
        .map((spec) => `${file} imports ${spec}`),
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

  // Rooms a newcomer can read: no file over 400 lines, no function over 80 (nested functions
  // count inside the one that holds them too). Tests are exempt; their tables of cases are long.
  const MAX_FILE_LINES = 400;
  const MAX_FUNCTION_LINES = 80;
  const projectSources = () => ['src', 'fixtures', 'scenarios', 'harness', 'reports'].flatMap(sources);

  it(`keeps every source file under ${MAX_FILE_LINES} lines`, () => {
    const long = projectSources()
      .map((file) => ({ file, lines: readFileSync(join(root, file), 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_FILE_LINES)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });

  it(`keeps every function under ${MAX_FUNCTION_LINES} lines`, () => {
    const long: string[] = [];
    for (const file of projectSources()) {
      const ast = parse(readFileSync(join(root, file), 'utf8'), { sourceType: 'module', plugins: ['typescript'] });
      const visit = (node: unknown): void => {
        if (node === null || typeof node !== 'object') return;
        if (Array.isArray(node)) return node.forEach(visit);
        const n = node as { type?: string; loc?: { start: { line: number }; end: { line: number } }; body?: unknown; id?: { name?: string }; key?: { name?: string } };
        if (typeof n.type === 'string' && /Function|ObjectMethod|ClassMethod/.test(n.type) && n.body !== undefined && n.loc !== undefined) {
          const lines = n.loc.end.line - n.loc.start.line + 1;
          if (lines > MAX_FUNCTION_LINES) long.push(`${file}:${n.loc.start.line} ${n.id?.name ?? n.key?.name ?? '(anonymous)'}: ${lines} lines`);
        }
        for (const [key, child] of Object.entries(n)) if (key !== 'loc' && key !== 'leadingComments' && key !== 'trailingComments') visit(child);
      };
      visit(ast.program);
    }
    expect(long).toEqual([]);
  });
});
