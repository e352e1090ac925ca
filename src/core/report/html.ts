/**
 * HTML built with a tagged template that escapes every interpolated value, so text from the spec,
 * the plan, the model and the audit log can only ever land in the page as text. The one way to
 * insert markup is `trusted()`, kept for what this tool itself produced (diff2html's output, CSS).
 * Control characters in the text are shown escaped (src/visible-text.ts): a browser shows no ESC
 * or CR, and bidi controls reorder what it shows.
 */
import { visibleText } from '../../visible-text.js';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

export function trusted(markup: string): Html {
  return new Html(markup);
}

type Value = Html | string | number | boolean | null | undefined | Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(visibleText(String(value)));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

/** An id for an anchor from text that may hold anything (a task id is checked, but not trusted). */
export function anchor(prefix: string, text: string): string {
  return `${prefix}-${text.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
