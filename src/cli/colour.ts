import { stdoutIsTerminal } from './stdout.js';

/** The colours `show` uses. */
export interface Colours {
  bold(text: string): string;
  cyan(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
}

const plain = (text: string): string => text;
const PLAIN: Colours = { bold: plain, cyan: plain, green: plain, red: plain, yellow: plain };

/**
 * Whether to colour output that goes to a terminal or not. picocolors' own guess is not used: it colours a pipe
 * whenever CI is set and takes FORCE_COLOR=0 as "force". Here NO_COLOR (non-empty) always wins,
 * FORCE_COLOR forces colour unless it is 0 or false, and otherwise only a terminal gets colour.
 */
function colourEnabled(terminal: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR']) return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return terminal && env['TERM'] !== 'dumb';
}

/**
 * picocolors is loaded only to colour: it looks at process.stdout when it loads, which costs a
 * script reading `show` from a pipe the creation of a stream it never needs.
 */
export async function stdoutColours(): Promise<Colours> {
  if (!colourEnabled(stdoutIsTerminal())) return PLAIN;
  const { default: picocolors } = await import('picocolors');
  return picocolors.createColors(true);
}

/** A unified diff coloured as `git diff` colours it: file headers bold, @@ cyan, removed red, added green. */
export function colourDiff(diff: string, c: Colours): string {
  let inHunk = false;
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('diff --git ')) inHunk = false;
      if (line.startsWith('@@')) {
        inHunk = true;
        // git colours the range only; the function name after it stays plain.
        const end = line.indexOf('@@', 2);
        return end === -1 ? c.cyan(line) : c.cyan(line.slice(0, end + 2)) + line.slice(end + 2);
      }
      if (!inHunk) return line === '' ? line : c.bold(line);
      if (line.startsWith('+')) return c.green(line);
      if (line.startsWith('-')) return c.red(line);
      return line;
    })
    .join('\n');
}
