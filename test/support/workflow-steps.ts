/**
 * The GitHub Actions workflow files of this repository, read as far as the tests need them, and
 * the `if:` conditions and `${{ }}` expressions they use, evaluated as GitHub would. The reader
 * takes the subset of YAML the workflows are written in (block mappings and sequences, plain and
 * quoted scalars, `|` blocks; flow values such as `[main]` or `{}` kept as their text) and throws
 * on anything else, so that a workflow it cannot read is never misread.
 */

/** A YAML value as the workflows write it. */
export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue };

/** One step of a job. */
export interface WorkflowStep {
  name: string;
  uses?: string;
  if?: string;
  run?: string;
  env: Record<string, string>;
  with: Record<string, string>;
}

/** One job of a workflow; `permissions` as written (a mapping, or a scalar such as `{}` or `read-all`), absent when not written. */
export interface WorkflowJob {
  id: string;
  if?: string;
  permissions?: Record<string, string> | string;
  env: Record<string, string>;
  steps: WorkflowStep[];
}

export interface Workflow {
  name?: string;
  /** The `on:` value: a mapping of events, or a scalar or flow list of them. */
  on: YamlValue;
  permissions?: Record<string, string> | string;
  env: Record<string, string>;
  jobs: WorkflowJob[];
}

export function readWorkflow(yaml: string): Workflow {
  const doc = parseYaml(yaml);
  if (!isMapping(doc)) throw new Error('a workflow is a mapping');
  const jobs = doc['jobs'];
  if (!isMapping(jobs)) throw new Error('the workflow has no jobs: mapping');
  const on = doc['on'];
  if (on === undefined) throw new Error('the workflow has no on:');
  return {
    ...optional('name', scalarOf(doc['name'])),
    on,
    ...optional('permissions', permissionsOf(doc['permissions'])),
    env: stringsOf(doc['env'], 'env'),
    jobs: Object.entries(jobs).map(([id, job]) => jobOf(id, job)),
  };
}

/** The steps of the job `job` of a workflow file. */
export function workflowSteps(yaml: string, job: string): WorkflowStep[] {
  const found = readWorkflow(yaml).jobs.find((j) => j.id === job);
  if (found === undefined) throw new Error(`the workflow has no job ${job}`);
  return found.steps;
}

/** The events a workflow runs on. */
export function workflowEvents(workflow: Workflow): string[] {
  const { on } = workflow;
  if (isMapping(on)) return Object.keys(on);
  if (Array.isArray(on)) throw new Error('on: as a block list is not read here');
  return on.replace(/^\[|\]$/g, '').split(',').map((e) => e.trim()).filter((e) => e !== '');
}

// --- evaluating `if:` and `${{ }}` ---------------------------------------------------------------

/** What an expression can see: the contexts by name (github, secrets, vars, runner...), and where hashFiles looks. */
export interface ExpressionContext {
  contexts: Record<string, unknown>;
  /** Whether a file of the workspace exists, for hashFiles('path'); without it, hashFiles() throws. */
  exists?: (path: string) => boolean;
  /** Whether an earlier step of the job failed. @default false */
  failed?: boolean;
}

/**
 * Whether a job or step with this `if:` runs. The forms understood: terms joined by `&&`, each one
 * of `always()`, `success()`, `failure()`, `cancelled()`, `hashFiles('path') != ''` (or `== ''`;
 * one literal path, no globs), or `a == b` / `a != b` between 'quoted strings' and context paths
 * (`github.event.pull_request.head.repo.full_name`), compared as GitHub does, ignoring case.
 * Without a status function the step runs only while no earlier step failed, as on GitHub. Any
 * other form throws.
 */
export function conditionHolds(condition: string | undefined, context: ExpressionContext): boolean {
  const failed = context.failed ?? false;
  if (condition === undefined) return !failed;
  const text = condition.trim().replace(/^\$\{\{\s*([\s\S]*?)\s*\}\}$/, '$1');
  const shape = text.replace(/'(?:[^']|'')*'/g, "''");
  if (/\|\||!(?!=)|(^|\W)\(/.test(shape)) throw new Error(`the tests do not understand if: ${condition} (only terms joined by &&)`);
  const terms = text.split(/\s*&&\s*/);
  const statusFunctions = terms.filter((t) => /^(always|success|failure|cancelled)\(\)$/.test(t));
  let holds = statusFunctions.length > 0 || !failed;
  for (const term of terms) holds = evaluateTerm(term, condition, context, failed) && holds;
  return holds;
}

function evaluateTerm(term: string, condition: string, context: ExpressionContext, failed: boolean): boolean {
  if (term === 'always()') return true;
  if (term === 'success()') return !failed;
  if (term === 'failure()') return failed;
  if (term === 'cancelled()') return false;
  const hash = /^hashFiles\('([^'*?[\]{}!]+)'\)\s*(==|!=)\s*''$/.exec(term);
  if (hash !== null) {
    if (context.exists === undefined) throw new Error(`hashFiles() needs a workspace: if: ${condition}`);
    const exists = context.exists(hash[1] as string);
    return hash[2] === '!=' ? exists : !exists;
  }
  const comparison = /^(\S+)\s*(==|!=)\s*(\S+)$/.exec(term);
  if (comparison === null) throw new Error(`the tests do not understand "${term}" in if: ${condition}`);
  const left = operand(comparison[1] as string, condition, context);
  const right = operand(comparison[3] as string, condition, context);
  // GitHub compares strings ignoring case.
  const equal = left.toLowerCase() === right.toLowerCase();
  return comparison[2] === '==' ? equal : !equal;
}

function operand(text: string, condition: string, context: ExpressionContext): string {
  const literal = /^'((?:[^']|'')*)'$/.exec(text);
  if (literal !== null) return (literal[1] as string).replace(/''/g, "'");
  if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(text)) throw new Error(`the tests do not understand "${text}" in if: ${condition}`);
  return String(lookUp(text, context));
}

/** A context path's value; a path the context does not hold throws (GitHub would give null: the test should say what it is). */
function lookUp(path: string, context: ExpressionContext): unknown {
  let value: unknown = context.contexts;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(part in value)) throw new Error(`the expression context has no ${path}`);
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A value with each `${{ context.path }}` replaced by its value (the form env: and with: values use). */
export function substitute(value: string, context: ExpressionContext): string {
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_whole, inner: string) => {
    const path = inner.trim();
    if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(path)) throw new Error(`the tests substitute context paths only, not \${{ ${path} }}`);
    return String(lookUp(path, context));
  });
}

// --- the jobs and steps out of the YAML ----------------------------------------------------------

function jobOf(id: string, job: YamlValue): WorkflowJob {
  if (!isMapping(job)) throw new Error(`job ${id} is not a mapping`);
  const steps = job['steps'];
  if (!Array.isArray(steps)) throw new Error(`job ${id} has no steps: list`);
  return {
    id,
    ...optional('if', scalarOf(job['if'])),
    ...optional('permissions', permissionsOf(job['permissions'])),
    env: stringsOf(job['env'], `${id}.env`),
    steps: steps.map((step, i) => stepOf(step, `${id}.steps[${i}]`)),
  };
}

function stepOf(step: YamlValue, where: string): WorkflowStep {
  if (!isMapping(step)) throw new Error(`${where} is not a mapping`);
  const uses = scalarOf(step['uses']);
  const run = scalarOf(step['run']);
  return {
    name: scalarOf(step['name']) ?? uses ?? run?.split('\n')[0] ?? '',
    ...optional('uses', uses),
    ...optional('if', scalarOf(step['if'])),
    ...optional('run', run),
    env: stringsOf(step['env'], `${where}.env`),
    with: stringsOf(step['with'], `${where}.with`),
  };
}

function permissionsOf(value: YamlValue | undefined): Record<string, string> | string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return stringsOf(value, 'permissions');
}

function stringsOf(value: YamlValue | undefined, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isMapping(value)) throw new Error(`${where} is not a mapping`);
  const strings: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw new Error(`${where}.${key} is not a scalar`);
    strings[key] = entry;
  }
  return strings;
}

function scalarOf(value: YamlValue | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new Error(`expected a scalar, got ${JSON.stringify(value)}`);
}

const isMapping = (value: YamlValue | undefined): value is { [key: string]: YamlValue } => typeof value === 'object' && !Array.isArray(value);

/** `{ key: value }` when the value is there, `{}` otherwise (for optional properties under exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// --- the YAML subset -----------------------------------------------------------------------------

interface Line {
  indent: number;
  text: string;
  number: number;
}

/** Parses the subset of YAML described above; a line it cannot place throws with its number. */
export function parseYaml(yaml: string): YamlValue {
  const reader = new YamlReader(yaml);
  const value = reader.block(0);
  const rest = reader.peek();
  if (rest !== undefined) reader.fail(rest, 'unexpected indentation');
  return value;
}

/** Reads block structure by indentation, one line at a time. */
class YamlReader {
  private readonly raw: string[];
  private at = 0;

  constructor(yaml: string) {
    this.raw = yaml.split('\n');
  }

  fail(line: Line, why: string): never {
    throw new Error(`YAML line ${line.number}: ${why}`);
  }

  /** The next line that is not blank or a comment, without moving past it. */
  peek(): Line | undefined {
    while (this.at < this.raw.length) {
      const text = this.raw[this.at] as string;
      if (text.trim() === '' || text.trim().startsWith('#')) {
        this.at += 1;
        continue;
      }
      const line = { indent: text.length - text.trimStart().length, text: text.trim(), number: this.at + 1 };
      if (/^\s*\t/.test(text)) this.fail(line, 'tab in indentation');
      return line;
    }
    return undefined;
  }

  block(indent: number): YamlValue {
    const line = this.peek();
    if (line === undefined || line.indent < indent) return '';
    return isItem(line.text) ? this.sequence(line.indent) : this.mapping(line.indent, null);
  }

  /** A mapping whose keys are at `indent`; `first` is a first key already taken off a `- ` line. */
  private mapping(indent: number, first: Line | null): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (let line = first ?? this.peek(); line !== undefined && line.indent === indent && !isItem(line.text); line = this.peek()) {
      this.at += 1;
      const pair = /^([A-Za-z_][\w.-]*|'[^']*'|"[^"]*"):(?:\s+(.*))?$/.exec(line.text) ?? this.fail(line, `expected "key: value", got ${line.text}`);
      const key = (pair[1] as string).replace(/^['"]|['"]$/g, '');
      if (key in map) this.fail(line, `duplicate key ${key}`);
      map[key] = this.valueAfterKey(stripComment(pair[2] ?? ''), indent, line);
    }
    const next = this.peek();
    if (next !== undefined && next.indent > indent) this.fail(next, 'unexpected indentation');
    return map;
  }

  /** What follows `key:`: a `|` block, a scalar on the line, or a block on the next lines. */
  private valueAfterKey(rest: string, indent: number, line: Line): YamlValue {
    if (rest === '|' || rest === '|-') return this.literalBlock(indent);
    if (/^[|>&*!]/.test(rest)) this.fail(line, `unsupported YAML: ${rest}`);
    if (rest !== '') return scalar(rest, line);
    const next = this.peek();
    if (next !== undefined && next.indent > indent) return this.block(next.indent);
    if (next !== undefined && next.indent === indent && isItem(next.text)) return this.sequence(indent);
    return '';
  }

  private sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (let line = this.peek(); line !== undefined && line.indent === indent && isItem(line.text); line = this.peek()) {
      const content = line.text.replace(/^-\s*/, '');
      if (content === '') {
        this.at += 1;
        items.push(this.block(indent + 1));
      } else if (/^([A-Za-z_][\w.-]*|'[^']*'|"[^"]*"):(\s|$)/.test(content)) {
        // `- key: value`: a mapping whose keys line up with `key`.
        const keyIndent = indent + (line.text.length - content.length);
        items.push(this.mapping(keyIndent, { indent: keyIndent, text: content, number: line.number }));
      } else {
        this.at += 1;
        items.push(scalar(stripComment(content), line));
      }
    }
    return items;
  }

  /** A `|` block: the following lines indented deeper than the key, less their common indentation, trailing blank lines dropped. */
  private literalBlock(keyIndent: number): string {
    const lines: string[] = [];
    while (this.at < this.raw.length) {
      const text = this.raw[this.at] as string;
      if (text.trim() !== '' && text.length - text.trimStart().length <= keyIndent) break;
      lines.push(text);
      this.at += 1;
    }
    const indents = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
    const strip = indents.length === 0 ? 0 : Math.min(...indents);
    return lines.map((l) => l.slice(strip)).join('\n').trimEnd();
  }
}

const isItem = (text: string) => text === '-' || text.startsWith('- ');

/** A plain value less its ` # comment`; quoted values are left whole. */
function stripComment(text: string): string {
  if (/^['"]/.test(text)) return text.trim();
  const comment = text.search(/(^|\s)#/);
  return (comment < 0 ? text : text.slice(0, comment)).trim();
}

function scalar(text: string, line: Line): string {
  const single = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(text);
  if (single !== null) return (single[1] as string).replace(/''/g, "'");
  const double = /^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(text);
  if (double !== null) return JSON.parse(`"${double[1] as string}"`) as string;
  if (/^['"]/.test(text)) throw new Error(`YAML line ${line.number}: an unclosed quoted value`);
  if (/^[{[]/.test(text) && !/^(\{.*\}|\[.*\])$/.test(text)) throw new Error(`YAML line ${line.number}: a flow value across lines`);
  return text;
}
