/**
 * The pack's prompt templates: plain text with `{{name}}` placeholders and `{{#name}}` …
 * `{{/name}}` sections, each tag of a section alone on its line. A section is kept only when its
 * value is not empty, so a pack words each kind of feedback once and the code only supplies facts.
 *
 * Values are inserted as they are and never read again as template text: a model's reply or a
 * person's note holding `{{…}}` cannot add or remove a section.
 */

type Part = { kind: 'text'; text: string } | { kind: 'value'; name: string } | { kind: 'section'; name: string; body: Part[] };

export interface Template {
  parts: Part[];
}

const TAG = /\{\{([#/]?)([a-z_]+)\}\}/g;
const SECTION_LINE = /^\{\{([#/])([a-z_]+)\}\}\r?$/;

/** Parses a template whose placeholders must all be among `names`; a message naming the problem otherwise. */
export function parseTemplate(text: string, names: readonly string[]): Template | string {
  const known = new Set(names);
  const top: Part[] = [];
  let open: { name: string; body: Part[]; line: number } | null = null;
  const lines = text.split(/(?<=\n)/);
  for (const [index, line] of lines.entries()) {
    const at = `line ${index + 1}`;
    const section = SECTION_LINE.exec(line.replace(/\n$/, ''));
    if (section) {
      const [, mark, name] = section as unknown as [string, string, string];
      if (!known.has(name)) return `${at}: unknown section {{${mark}${name}}} (known: ${names.join(', ')})`;
      if (mark === '#') {
        if (open) return `${at}: section {{#${name}}} opens inside {{#${open.name}}}; sections do not nest`;
        open = { name, body: [], line: index + 1 };
      } else {
        if (open?.name !== name) return `${at}: {{/${name}}} closes no open section`;
        top.push({ kind: 'section', name, body: open.body });
        open = null;
      }
      continue;
    }
    const into = open ? open.body : top;
    let last = 0;
    for (const match of line.matchAll(TAG)) {
      const [tag, mark, name] = match as unknown as [string, string, string];
      if (mark !== '') return `${at}: the section tag ${tag} must be alone on its line`;
      if (!known.has(name)) return `${at}: unknown placeholder ${tag} (known: ${names.join(', ')})`;
      if (match.index > last) into.push({ kind: 'text', text: line.slice(last, match.index) });
      into.push({ kind: 'value', name });
      last = match.index + tag.length;
    }
    if (last < line.length) into.push({ kind: 'text', text: line.slice(last) });
  }
  if (open) return `line ${open.line}: section {{#${open.name}}} is never closed`;
  return { parts: top };
}

/** The template with its values; a section whose value is empty or absent is left out whole. */
export function renderTemplate(template: Template, values: Readonly<Record<string, string | undefined>>): string {
  const render = (parts: Part[]): string =>
    parts
      .map((part) => {
        if (part.kind === 'text') return part.text;
        if (part.kind === 'value') return values[part.name] ?? '';
        return values[part.name] ? render(part.body) : '';
      })
      .join('');
  return render(template.parts);
}
