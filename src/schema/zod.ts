/**
 * zod's settings for the whole tool; the schema files import this module first.
 *
 * zod/mini, not the classic API: every command builds the schemas at start-up, and classic
 * attaches dozens of methods to each schema object; mini's functional checks make schemas that
 * cost a fraction to build and, imported by name, a bundle a tenth the size. Same core, same
 * parsing, same messages: English is registered by classic itself, by mini only on request.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
// A command parses a few dozen files and exits: compiling each object schema into a specialised
// parser (zod's JIT, through new Function) costs more at start-up than it ever saves. Same results.
config({ jitless: true });
