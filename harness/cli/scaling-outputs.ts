import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderScalingMarkdown } from '../../reports/scaling-report.js';
import type { ScalingResult } from '../core/result.js';
import { clearProgress } from './progress.js';
import { writeFileAtomic } from './write-outputs.js';

/** Where a default run finds the last sweep for its "how it scales" section. */
export const LAST_SCALING = resolve('reports/out/last-scaling.json');

/** DIR/scaling.json and DIR/scaling.md, and a copy the next default report reads. */
export function writeScalingOutputs(result: ScalingResult, dir: string): number {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const json = `${JSON.stringify(result, null, 1)}\n`;
  writeFileAtomic(join(out, 'scaling.json'), json);
  writeFileAtomic(join(out, 'scaling.md'), renderScalingMarkdown(result));
  mkdirSync(resolve('reports/out'), { recursive: true });
  writeFileAtomic(LAST_SCALING, json);
  clearProgress();
  for (const fit of result.fits) {
    process.stdout.write(
      `scaling ${fit.dialect.padEnd(8)} ${fit.impl.padEnd(12)} queries ${fit.queriesGrowth} (slope ${fit.queriesVsPageSize.slope.toFixed(2)}/artifact), page-50 p50 ${fit.p50SmallestMs.toFixed(2)} -> ${fit.p50LargestMs.toFixed(2)} ms\n`,
    );
  }
  process.stdout.write(`wrote ${join(out, 'scaling.json')}, ${join(out, 'scaling.md')}\n`);
  return 0;
}

export function readLastScaling(): ScalingResult | undefined {
  if (!existsSync(LAST_SCALING)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(LAST_SCALING, 'utf8')) as ScalingResult;
    return parsed.kind === 'querygate-scaling' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
