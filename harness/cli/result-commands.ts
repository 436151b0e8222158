import { compareCommand as compare } from '../../reports/compare-command.js';
import { readResultFile } from '../core/read-result-file.js';
import { reportCommand as report } from '../../reports/report-command.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from './write-outputs.js';

export interface CompareArgs {
  before: string;
  after: string;
  out?: string | undefined;
  threshold: string;
}

/** "10%", "10" or "7.5%": a percentage from 0 to 1000. */
export function parseThreshold(raw: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(raw);
  const value = match === null ? NaN : Number(match[1]);
  if (!(value >= 0 && value <= 1000)) throw new UsageError(`--threshold must be a percentage such as 10% (0-1000), got ${JSON.stringify(raw)}`);
  return value;
}

/** `querygate compare`: markdown on stdout (or in --out), exit 1 on a regression. */
export async function compareCommand(args: CompareArgs): Promise<number> {
  const { exitCode, text } = await compare({ before: args.before, after: args.after, thresholdPct: parseThreshold(args.threshold) });
  if (args.out === undefined) process.stdout.write(text);
  else {
    writeFileAtomic(args.out, text);
    process.stdout.write(`wrote ${args.out}\n`);
  }
  if (exitCode !== 0) {
    // Exit 2: the two files cannot support a verdict (missing evidence); exit 1: a regression.
    const [what, pattern] = exitCode === 2 ? ['missing evidence', /missing|no raw samples|nothing/i] : ['regression', /regress/i];
    const lines = text.split('\n').filter((line) => pattern.test(line)).slice(0, 3);
    process.stderr.write(`querygate: ${what}: ${lines.length > 0 ? lines.join(' | ').slice(0, 400) : 'see the comparison'}\n`);
  }
  return exitCode;
}

export interface ReportArgs {
  result: string;
  format: string;
}

/** `querygate report`: renders a saved result again; the exit code is that run's verdict. */
export async function reportCommand(args: ReportArgs): Promise<number> {
  if (args.format === 'json') {
    const result = await readResultFile(args.result);
    process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
    return result.verdict === 'pass' ? 0 : 1;
  }
  const { exitCode, text } = await report({ result: args.result, format: args.format === 'junit' ? 'junit' : 'markdown' });
  process.stdout.write(text);
  return exitCode;
}
