import { z } from 'zod';

// A command parses a few dozen files and exits: compiling each object schema into a specialised
// parser (zod's JIT, through new Function) costs more at start-up than it ever saves. Same results.
z.config({ jitless: true });

export { z };
