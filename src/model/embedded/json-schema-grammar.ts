import { OrchestratorError } from '../../errors.js';

/**
 * Turns a JSON Schema into a GBNF grammar for llama.cpp, so the model can only write JSON of the
 * schema: every token that would leave the grammar is masked out during sampling.
 *
 * node-llama-cpp has its own converter, but it ignores `pattern` (the plan's task ids are
 * `^T\d{3}$`), so a grammar from it would let through replies the schema refuses. This one covers
 * the subset the tool's schemas use — objects with fixed properties, arrays with min/maxItems,
 * strings with min/maxLength and simple patterns, const, enum, numbers, booleans, null, anyOf/oneOf,
 * local $ref — and refuses, with the keyword named, anything it cannot enforce exactly.
 *
 * The JSON it allows is compact (no whitespace between tokens) and has properties in the schema's
 * order: there is exactly one way to write each value, so nothing depends on the model's taste in
 * formatting. Optional properties are never written (a reply without them is still valid).
 * Pure: the same schema always gives the same text.
 */
export function jsonSchemaToGbnf(schema: Record<string, unknown>): string {
  return new GrammarBuilder(schema).build();
}

type Schema = Record<string, unknown>;

const BASE_RULES: Array<[string, string]> = [
  ['char', String.raw`[^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})`],
  ['integer', String.raw`"-"? ("0" | [1-9] [0-9]{0,15})`],
  ['number', String.raw`integer ("." [0-9]+)? ([eE] [-+]? [0-9]+)?`],
];
const HANDLED = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'const', 'enum', 'anyOf', 'oneOf', '$ref', '$defs', 'definitions', 'description', 'title', 'default', 'examples', '$schema', '$id']);

class GrammarBuilder {
  private readonly rules = new Map<string, string>();
  private readonly refs = new Map<string, string>();
  private counter = 0;

  constructor(private readonly root: Schema) {}

  build(): string {
    const body = this.value(this.root, 'root');
    const lines = [`root ::= ${body}`];
    for (const [name, rule] of this.rules) lines.push(`${name} ::= ${rule}`);
    for (const [name, rule] of BASE_RULES) lines.push(`${name} ::= ${rule}`);
    return lines.join('\n') + '\n';
  }

  private rule(hint: string, body: string): string {
    const name = `${hint.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'value'}-${++this.counter}`;
    this.rules.set(name, body);
    return name;
  }

  /** A GBNF expression for one value of the schema. */
  private value(schema: unknown, where: string): string {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw unsupported(where, 'a schema that is not an object');
    const s = schema as Schema;
    for (const key of Object.keys(s)) if (!HANDLED.has(key)) throw unsupported(where, `the keyword "${key}"`);
    if (typeof s.$ref === 'string') return this.ref(s.$ref, where);
    if ('const' in s) return literal(JSON.stringify(s.const));
    if (Array.isArray(s.enum)) return group(s.enum.map((v) => literal(JSON.stringify(v))).join(' | '));
    const alternatives = (s.anyOf ?? s.oneOf) as unknown;
    if (Array.isArray(alternatives)) return group(alternatives.map((alt, i) => this.value(alt, `${where}|${i}`)).join(' | '));
    switch (s.type) {
      case 'object':
        return this.object(s, where);
      case 'array':
        return this.array(s, where);
      case 'string':
        return this.string(s, where);
      case 'integer':
        return 'integer';
      case 'number':
        return 'number';
      case 'boolean':
        return '("true" | "false")';
      case 'null':
        return '"null"';
      default:
        throw unsupported(where, `type ${JSON.stringify(s.type)}`);
    }
  }

  private ref(ref: string, where: string): string {
    const known = this.refs.get(ref);
    if (known) return known;
    const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
    const defs = match ? (this.root[match[1]!] as Schema | undefined) : undefined;
    const target = match && defs ? defs[match[2]!] : undefined;
    if (target === undefined) throw unsupported(where, `the reference ${ref}`);
    // Named before it is expanded, so a recursive schema refers back to the rule.
    const name = this.rule(match![2]!, '');
    this.refs.set(ref, name);
    this.rules.set(name, this.value(target, match![2]!));
    return name;
  }

  private object(s: Schema, where: string): string {
    const properties = (s.properties ?? {}) as Record<string, unknown>;
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    const parts: string[] = [];
    for (const [key, sub] of Object.entries(properties)) {
      if (!required.has(key)) continue;
      parts.push(`${literal(JSON.stringify(key) + ':')} ${this.value(sub, `${where}.${key}`)}`);
    }
    for (const key of required) if (!(key in properties)) throw unsupported(where, `required property "${key}" without a schema`);
    return this.rule(where, `"{" ${parts.length ? parts.join(' "," ') + ' ' : ''}"}"`);
  }

  private array(s: Schema, where: string): string {
    const min = count(s.minItems, 0);
    const max = s.maxItems === undefined ? null : count(s.maxItems, 0);
    if (max !== null && max < min) throw unsupported(where, 'maxItems below minItems');
    if (s.items === undefined) throw unsupported(where, 'an array without "items"');
    const item = this.rule(`${where}-item`, this.value(s.items, `${where}[]`));
    if (max === 0) return '"[" "]"';
    const rest = max === null ? `("," ${item})*` : max - 1 > 0 ? `("," ${item}){${Math.max(min - 1, 0)},${max - 1}}` : '';
    const list = `${item} ${rest}`.trim();
    return this.rule(where, min === 0 ? `"[" (${list})? "]"` : `"[" ${list} "]"`);
  }

  private string(s: Schema, where: string): string {
    if (typeof s.pattern === 'string') {
      if (s.minLength !== undefined || s.maxLength !== undefined) throw unsupported(where, 'pattern together with minLength/maxLength');
      return this.rule(where, `"\\"" ${patternToGbnf(s.pattern, where)} "\\""`);
    }
    const min = count(s.minLength, 0);
    const max = s.maxLength === undefined ? null : count(s.maxLength, 0);
    const repeat = max === null ? (min === 0 ? 'char*' : `char{${min},}`) : `char{${min},${max}}`;
    return `("\\"" ${repeat} "\\"")`;
  }
}

function count(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new OrchestratorError(`JSON schema: ${String(value)} is not a count`);
  return value;
}

const group = (body: string) => `(${body})`;

/** A GBNF string literal matching exactly `text`. */
function literal(text: string): string {
  return '"' + text.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + '"';
}

function unsupported(where: string, what: string): OrchestratorError {
  return new OrchestratorError(`the JSON schema at ${where} uses ${what}, which the embedded provider cannot enforce with a grammar: simplify the schema`);
}

/**
 * A regular expression (the part of ECMA-262 syntax JSON Schema patterns use in practice) as a
 * GBNF expression over the *JSON-encoded* characters of the string. Supported: literals, escaped
 * punctuation, `.`, \d \w, character classes without `"` or `\`, groups, `|`, and the
 * quantifiers ? * + {n} {n,} {n,m}. An unanchored end may be followed by anything, as in JSON Schema.
 */
export function patternToGbnf(pattern: string, where = 'pattern'): string {
  let i = 0;
  const fail = (what: string): never => {
    throw unsupported(where, `the pattern ${JSON.stringify(pattern)} (${what})`);
  };
  const anchoredStart = pattern.startsWith('^');
  if (anchoredStart) i = 1;
  const anchoredEnd = pattern.endsWith('$') && !pattern.endsWith('\\$');
  const end = anchoredEnd ? pattern.length - 1 : pattern.length;

  const alternation = (): string => {
    const branches = [sequence()];
    while (i < end && pattern[i] === '|') {
      i++;
      branches.push(sequence());
    }
    return branches.length === 1 ? branches[0]! : group(branches.join(' | '));
  };
  const sequence = (): string => {
    const items: string[] = [];
    while (i < end && pattern[i] !== '|' && pattern[i] !== ')') items.push(quantified(atom()));
    return items.length === 0 ? '""' : items.join(' ');
  };
  const atom = (): string => {
    const c = pattern[i++]!;
    if (c === '(') {
      if (pattern.startsWith('?:', i)) i += 2;
      else if (pattern[i] === '?') fail('lookaround or named group');
      const inner = alternation();
      if (pattern[i++] !== ')') fail('unbalanced parenthesis');
      return group(inner);
    }
    if (c === '[') return charClass();
    if (c === '.') return 'char';
    if (c === '\\') {
      const e = pattern[i++];
      if (e === undefined) fail('trailing backslash');
      if (e === 'd') return '[0-9]';
      if (e === 'w') return '[a-zA-Z0-9_]';
      if (/[.^$|?*+()[\]{}\\/-]/.test(e!)) return literal(JSON.stringify(e).slice(1, -1));
      return fail(`the escape \\${e}`);
    }
    if ('?*+{'.includes(c)) fail('a quantifier with nothing before it');
    if (c === '^' || c === '$') fail('an anchor in the middle');
    return literal(JSON.stringify(c).slice(1, -1));
  };
  const charClass = (): string => {
    let body = '';
    if (pattern[i] === '^') fail('a negated character class');
    while (i < end && pattern[i] !== ']') {
      let c = pattern[i++]!;
      if (c === '\\') {
        const e = pattern[i++]!;
        if (e === 'd') {
          body += '0-9';
          continue;
        }
        if (e === 'w') {
          body += 'a-zA-Z0-9_';
          continue;
        }
        if (!/[-\].^[]/.test(e)) fail(`the escape \\${e} in a class`);
        c = e;
        body += c === ']' || c === '-' || c === '^' || c === '[' ? '\\' + c : c;
        continue;
      }
      if (c === '"' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e) fail('a class with a quote or a non-printable character');
      body += c;
    }
    if (pattern[i++] !== ']') fail('unclosed character class');
    return `[${body}]`;
  };
  const quantified = (expr: string): string => {
    const q = pattern[i];
    if (q === '?' || q === '*' || q === '+') {
      i++;
      return `${expr}${q}`;
    }
    if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (!m) fail('a malformed {n,m}');
      i += m![0].length;
      const n = Number(m![1]);
      if (m![2] === undefined) return `${expr}{${n}}`;
      return m![3] === '' ? `${expr}{${n},}` : `${expr}{${n},${Number(m![3])}}`;
    }
    return expr;
  };

  const body = alternation();
  if (i !== end) fail('unbalanced parenthesis');
  return [anchoredStart ? '' : 'char*', group(body), anchoredEnd ? '' : 'char*'].filter(Boolean).join(' ');
}
