/**
 * A schema built the first time it is used, under its usual name.
 *
 * Building a zod object is not free (a few dozen of them took a short command about a quarter of
 * a bare Node start), and a module's schemas were all built when a command first imported it,
 * though `status` parses a handful of the run's file kinds and `runs` two. `lazy(build)` returns a
 * stand-in with the schema's own type: the first property read on it (`.safeParse`, `._zod`, ...)
 * builds the schema, and every read after that goes to the same built object.
 *
 * The stand-in is not the schema object itself, and zod keys some things by object identity: its
 * registries (the descriptions `z.describe` attaches, the names of a JSON Schema's `$defs`) and its
 * JSON Schema conversion, which writes a schema met twice once. So a schema built inside another
 * holds `real(X)`, never the stand-in, and so does anything that registers or compares schemas:
 * what zod sees is the same objects as when every schema was built at start-up, and the JSON
 * Schemas made from them are byte for byte the same (test/schema-lazy.test.ts checks that no
 * stand-in is inside any schema).
 */
const BUILT = Symbol('the built schema');

export function lazy<T extends object>(build: () => T): T {
  let built: T | undefined;
  const schema = (): T => (built ??= build());
  // Reads only: zod never writes to a schema object once it is made, and this one must not either.
  return new Proxy(Object.create(null) as T, {
    get: (_, key) => (key === BUILT ? schema() : Reflect.get(schema(), key)),
    has: (_, key) => key === BUILT || key in schema(),
    getPrototypeOf: () => Object.getPrototypeOf(schema()) as object | null,
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

/** The schema object a `lazy` stand-in stands for (built now if it was not yet); any other value as it is. */
export function real<T>(schema: T): T {
  return isLazy(schema) ? (schema as { [BUILT]: T })[BUILT] : schema;
}

export function isLazy(value: unknown): boolean {
  return typeof value === 'object' && value !== null && BUILT in value;
}

/** `build()`'s value, made on the first call and the same object on every call after it. */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
