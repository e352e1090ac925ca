import { visibleLine, visibleText } from '../visible-text.js';
import { stdoutIsTerminal } from './stdout.js';

/**
 * A line (or text) ready to print as is: every part that came from outside the tool had its
 * control characters escaped before the tool added its own colour codes. print.ts escapes any
 * plain string it is given, colour codes included, so a line that misses `paint` shows its codes
 * escaped instead of letting a model's through.
 */
export class Painted {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Painted | string | number;

/** A line from a template: every part escaped (the template's own text too) but the values already Painted. */
export function paint(strings: TemplateStringsArray, ...values: Part[]): Painted {
  let text = visibleLine(strings[0]!);
  values.forEach((value, i) => {
    text += (value instanceof Painted ? value.text : visibleLine(String(value))) + visibleLine(strings[i + 1]!);
  });
  return new Painted(text);
}

/** The colours `show` uses; each escapes the text it is given (unless Painted) before colouring it. */
export interface Colours {
  bold(text: Part): Painted;
  cyan(text: Part): Painted;
  green(text: Part): Painted;
  red(text: Part): Painted;
  yellow(text: Part): Painted;
}

type Paint = (text: string) => string;
const plain: Paint = (text) => text;

function colours(codes: Record<keyof Colours, Paint>): Colours {
  const wrap = (colour: Paint) => (text: Part) => new Painted(colour(text instanceof Painted ? text.text : visibleLine(String(text))));
  return { bold: wrap(codes.bold), cyan: wrap(codes.cyan), green: wrap(codes.green), red: wrap(codes.red), yellow: wrap(codes.yellow) };
}

const PLAIN_CODES = { bold: plain, cyan: plain, green: plain, red: plain, yellow: plain };
const PLAIN: Colours = colours(PLAIN_CODES);

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
  return colours(picocolors.createColors(true));
}

/**
 * A unified diff coloured as `git diff` colours it: file headers bold, @@ cyan, removed red, added
 * green. Its control characters are escaped first; line breaks and CRLF line endings are kept.
 */
export function colourDiff(diff: string, c: Colours): Painted {
  let inHunk = false;
  const lines = visibleText(diff)
    .split('\n')
    .map((line) => {
      const safe = new Painted(line);
      if (line.startsWith('diff --git ')) inHunk = false;
      if (line.startsWith('@@')) {
        inHunk = true;
        // git colours the range only; the function name after it stays plain.
        const end = line.indexOf('@@', 2);
        return end === -1 ? c.cyan(safe).text : c.cyan(new Painted(line.slice(0, end + 2))).text + line.slice(end + 2);
      }
      if (!inHunk) return line === '' ? line : c.bold(safe).text;
      if (line.startsWith('+')) return c.green(safe).text;
      if (line.startsWith('-')) return c.red(safe).text;
      return line;
    });
  return new Painted(lines.join('\n'));
}
