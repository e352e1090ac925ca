import type { Command, Option } from 'commander';

/**
 * commander checks required options before unknown ones, so `status --rnu ID` was answered
 * "required option '--run <id>' not specified", hiding the typo. Run before a command parses its
 * options (a preSubcommand hook): when a required option is missing and an option is unknown,
 * the unknown one is the error, with the closest option named — exit 2, like every usage error.
 */
export function refuseMistypedOption(program: Command, command: Command): void {
  const tokens = program.args.slice(1);
  const end = tokens.indexOf('--');
  const given = end === -1 ? tokens : tokens.slice(0, end);
  const options: readonly Option[] = [...command.options, ...program.options];
  const byFlag = new Map<string, Option>();
  for (const option of options) {
    if (option.long) byFlag.set(option.long, option);
    if (option.short) byFlag.set(option.short, option);
  }
  const missing = command.options.some((option) => option.mandatory && !given.some((token) => isFlag(token, option)));
  if (!missing) return;
  for (let i = 0; i < given.length; i++) {
    const token = given[i]!;
    if (!token.startsWith('--')) continue;
    const flag = token.split('=')[0]!;
    if (flag === '--help') return;
    const known = byFlag.get(flag);
    if (known) {
      // Its value is not an option, whatever it looks like.
      if ((known.required || known.optional) && !token.includes('=')) i++;
      continue;
    }
    const longs = options.map((option) => option.long).filter((long): long is string => long !== undefined);
    const guess = closestFlags(flag, longs);
    const hint = guess.length > 0 ? `\n(Did you mean ${guess.join(' or ')}?)` : '';
    command.error(`error: unknown option '${flag}'${hint}`, { exitCode: 2, code: 'commander.unknownOption' });
  }
}

const isFlag = (token: string, option: Option): boolean => {
  const flag = token.split('=')[0];
  return flag === option.long || flag === option.short;
};

/** As commander judges a typo of an option: fewest edits (a swap of two letters is one), at most 3, and over 40% of the letters kept. */
export function closestFlags(flag: string, longs: readonly string[]): string[] {
  const word = flag.replace(/^--/, '');
  let best = 3;
  let found: string[] = [];
  for (const long of new Set(longs)) {
    const candidate = long.replace(/^--/, '');
    if (candidate.length <= 1) continue;
    const distance = swapAwareDistance(word, candidate);
    const length = Math.max(word.length, candidate.length);
    if ((length - distance) / length <= 0.4) continue;
    if (distance < best) [best, found] = [distance, [long]];
    else if (distance === best) found.push(long);
  }
  return found.sort();
}

/** Optimal string alignment distance: Levenshtein plus the swap of two adjacent letters (`rnu` → `run` is one edit). */
function swapAwareDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
