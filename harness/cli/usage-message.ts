/** The commands of the CLI, in the order help lists them. */
export const COMMANDS = ['run', 'seed', 'serve', 'compare', 'report', 'comment', 'merge', 'history'] as const;

/**
 * yargs' own messages, asked for as data: its English templates are replaced (updateStrings) by
 * tokens "<RS>kind<US>arg<US>arg", so what went wrong is read from our own format, never from
 * yargs' wording (which a yargs update may change).
 */
const RS = '\u001e';
const US = '\u001f';
const token = (kind: string, args: number): string => `${RS}${kind}${`${US}%s`.repeat(args)}`;
const both = (text: string) => ({ one: text, other: text });
export const USAGE_STRINGS: Record<string, string | { one: string; other: string }> = {
  'Did you mean %s?': token('did-you-mean', 1),
  'Unknown argument: %s': both(token('unknown', 1)),
  'Unknown command: %s': both(token('unknown', 1)),
  'Invalid values:': token('invalid-values', 0),
  'Argument: %s, Given: %s, Choices: %s': token('choice', 3),
  'Not enough arguments following: %s': token('needs-value', 1),
  'Missing argument value: %s': both(token('needs-value', 1)),
  'Not enough non-option arguments: got %s, need at least %s': both(token('too-few', 2)),
  'Too many non-option arguments: got %s, maximum of %s': both(token('too-many', 2)),
  'Missing required argument: %s': both(token('required', 1)),
};

interface UsageProblem {
  kind: string;
  args: string[];
}

/** The tokens of a yargs message; text that is not a token (our own messages) is kept as kind "text". */
function usageProblems(message: string): UsageProblem[] {
  return message
    .split(RS)
    .map((chunk, i) => (i === 0 ? { kind: 'text', args: [chunk.trim()] } : { kind: chunk.split(US)[0]?.trim() ?? '', args: chunk.split(US).slice(1).map((a) => a.trim()) }))
    .filter((p) => p.kind !== 'text' || p.args[0] !== '');
}

/** Forms of the commands that take files, for "needs N file arguments". */
const FORMS: Record<string, string> = {
  compare: 'querygate compare BEFORE.json AFTER.json',
  report: 'querygate report RESULT.json',
  merge: 'querygate merge A.json B.json --out DIR',
};

/** yargs' problems as one line that says what is wrong and what is accepted. */
export function usageMessage(message: string, args: readonly string[]): string {
  const command = args.find((a) => !a.startsWith('-'));
  const commands = `commands: ${COMMANDS.join(', ')}`;
  const unknownCommand = command !== undefined && !(COMMANDS as readonly string[]).includes(command);
  const problems = usageProblems(message);
  const of = (kind: string) => problems.filter((p) => p.kind === kind);
  const [suggestion] = of('did-you-mean');
  if (suggestion !== undefined || (unknownCommand && of('unknown').length > 0)) {
    return `unknown command ${JSON.stringify(command ?? '')}${suggestion === undefined ? '' : ` (did you mean ${suggestion.args[0]}?)`}; ${commands}`;
  }
  const choices = of('choice').map(({ args: [flag, given, accepted] }) => `--${flag} ${given} is not accepted; choose from ${(accepted ?? '').replace(/"/g, '')}`);
  if (choices.length > 0) return choices.join('; ');
  const [needsValue] = of('needs-value');
  if (needsValue !== undefined) return `--${needsValue.args[0]} needs a value`;
  const [tooFew] = of('too-few');
  if (tooFew !== undefined && command !== undefined) {
    return `${command} needs ${tooFew.args[1]} file argument(s), got ${tooFew.args[0]}${FORMS[command] === undefined ? '' : `: ${FORMS[command]}`}`;
  }
  const [tooMany] = of('too-many');
  if (tooMany !== undefined && command !== undefined) {
    return `${command} takes at most ${tooMany.args[1]} file argument(s), got ${tooMany.args[0]}${FORMS[command] === undefined ? '' : `: ${FORMS[command]}`}`;
  }
  const [required] = of('required');
  if (required !== undefined) return `missing ${(required.args[0] ?? '').split(', ').map((name) => `--${name}`).join(', ')}`;
  const [unknown] = of('unknown');
  if (unknown !== undefined) {
    const names = (unknown.args[0] ?? '').split(', ').map((name) => (args.includes(`--${name}`) || args.some((a) => a.startsWith(`--${name}=`)) ? `--${name}` : JSON.stringify(name)));
    return `unknown option or argument ${names.join(', ')}`;
  }
  return problems.map((p) => (p.kind === 'text' ? p.args[0] : [p.kind, ...p.args].join(' '))).join('; ').replace(/\s*\n\s*/g, '; ').trim();
}

