/** One step of a GitHub Actions job, as far as the local test of the workflow needs it. */
export interface WorkflowStep {
  name: string;
  uses?: string;
  if?: string;
  run?: string;
}

/**
 * The steps of the first job of a workflow file, read with a tiny extractor for the structure of
 * .github/workflows/querygate.yml (a `steps:` list of `- name:`/`- uses:` items with `if:` and
 * single-line or `|` block `run:` values). Anything else it meets in a step is ignored.
 */
export function workflowSteps(yaml: string): WorkflowStep[] {
  const lines = yaml.split('\n');
  const start = lines.findIndex((line) => /^\s*steps:\s*$/.test(line));
  if (start < 0) throw new Error('no steps: in the workflow');
  const steps: WorkflowStep[] = [];
  let itemIndent = -1;
  let current: WorkflowStep | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    const item = /^(\s*)- (\w[\w-]*):\s*(.*)$/.exec(line);
    if (item !== null && (itemIndent < 0 || indent === itemIndent)) {
      itemIndent = indent;
      current = { name: '' };
      steps.push(current);
      assign(current, item[2] as string, item[3] as string, lines, i, indent + 2);
      continue;
    }
    if (indent <= itemIndent - 2 || current === undefined) break; // the end of the steps list
    const key = /^\s*(\w[\w-]*):\s*(.*)$/.exec(line);
    if (key !== null && indent === itemIndent + 2) i = assign(current, key[1] as string, key[2] as string, lines, i, indent);
  }
  for (const step of steps) if (step.name === '') step.name = step.uses ?? step.run?.split('\n')[0] ?? '';
  return steps;
}

/** Sets a key of the step; a `|` block takes the following more-indented lines. Returns the last line read. */
function assign(step: WorkflowStep, key: string, value: string, lines: string[], at: number, keyIndent: number): number {
  let text = value.trim();
  let last = at;
  if (text === '|') {
    const block: string[] = [];
    for (let j = at + 1; j < lines.length; j++) {
      const line = lines[j] as string;
      if (line.trim() !== '' && line.length - line.trimStart().length <= keyIndent) break;
      block.push(line);
      last = j;
    }
    const indent = Math.min(...block.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
    text = block.map((l) => l.slice(indent)).join('\n').trimEnd();
  }
  if (key === 'name' || key === 'uses' || key === 'if' || key === 'run') step[key] = text;
  return last;
}
