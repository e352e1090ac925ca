/**
 * Canonical JSON: the one way every JSON artifact of a run is written, so that equal values give
 * equal bytes (hashable, diffable, byte-comparable request bodies).
 *
 * Rules:
 * - object keys sorted by UTF-16 code unit order (plain `Array.prototype.sort`), at every depth;
 * - arrays keep their order;
 * - properties whose value is undefined are dropped (as JSON.stringify does); undefined inside
 *   an array is refused rather than silently turned into null;
 * - 2-space indentation exactly like JSON.stringify(v, null, 2), and a trailing "\n";
 * - values JSON cannot represent faithfully are refused with a TypeError: NaN/±Infinity,
 *   bigint, functions, symbols, cycles, and objects that are neither plain objects nor arrays
 *   (Map, Set, class instances) unless they have toJSON (Date does).
 *
 * We serialize by hand instead of sorting keys and calling JSON.stringify because JavaScript
 * objects always enumerate integer-like keys ("2", "10") first in numeric order, so the sorted
 * order could not survive a round trip through an object.
 */
export function canonicalJson(value: unknown): string {
  const out = serialize(value, '', new Set<object>(), '$');
  if (out === undefined) throw new TypeError('canonicalJson: the top-level value is undefined');
  return out + '\n';
}

function serialize(value: unknown, indent: string, seen: Set<object>, path: string): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot represent`);
      return JSON.stringify(value);
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot represent`);
  }

  const obj = value as object;
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    return serialize((toJSON as (key: string) => unknown).call(obj, ''), indent, seen, path);
  }
  if (seen.has(obj)) throw new TypeError(`canonicalJson: ${path} refers back to itself (cycle)`);
  seen.add(obj);
  try {
    const inner = indent + '  ';
    if (Array.isArray(obj)) {
      if (obj.length === 0) return '[]';
      const items = obj.map((item: unknown, i) => {
        const s = serialize(item, inner, seen, `${path}[${i}]`);
        if (s === undefined) throw new TypeError(`canonicalJson: ${path}[${i}] is undefined`);
        return inner + s;
      });
      return '[\n' + items.join(',\n') + '\n' + indent + ']';
    }
    const proto = Object.getPrototypeOf(obj) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const kind = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new TypeError(`canonicalJson: ${path} is a ${kind}, not a plain object`);
    }
    const entries: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      const s = serialize((obj as Record<string, unknown>)[key], inner, seen, `${path}.${key}`);
      if (s !== undefined) entries.push(inner + JSON.stringify(key) + ': ' + s);
    }
    if (entries.length === 0) return '{}';
    return '{\n' + entries.join(',\n') + '\n' + indent + '}';
  } finally {
    seen.delete(obj);
  }
}
