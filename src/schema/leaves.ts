import './zod.js';
import * as z from 'zod/mini';

/**
 * Shapes of the files in a run directory. Every file carries `schema_version`; a file written
 * by another version is reported, never guessed at.
 */
export const SCHEMA_VERSION = 1;
export const Version = z.literal(SCHEMA_VERSION);
// The leaves every file's shape is made of, built once: a zod schema is immutable and can sit at
// any number of fields, and every command builds all of these at start-up, so each repeat of
// z.string() at a field was start-up time spent for nothing.
export const Text = z.string();
export const NullableText = z.nullable(Text);
export const Num = z.number();
export const NullableNumber = z.nullable(Num);
export const PositiveInt = z.int().check(z.positive());
export const Bool = z.boolean();
export const Sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
