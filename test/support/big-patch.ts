/** Large generated patches for the engine's scale tests (run in process and in child processes). */

/** A patch of `n` files of 120 lines, each with 4 hunks rewriting 10 lines: about 5.5 KB per file. */
export function bigPatch(n: number, corrupt: boolean): { reply: string; files: Map<string, Buffer> } {
  const files = new Map<string, Buffer>();
  let reply = '';
  for (let f = 0; f < n; f++) {
    const path = `pkg/m${f % 31}/f${f}.go`;
    const lines = Array.from({ length: 120 }, (_, i) => (i % 12 === 0 ? '}' : i % 9 === 0 ? '' : `\tvalue${i} := compute(${i}, "file ${f} with some more text")`));
    files.set(path, Buffer.from(`${lines.join('\n')}\n`));
    reply += corrupt ? `--- ${path}\n+++ ${path}\n` : `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n`;
    for (let h = 0; h < 4; h++) {
      const s = h * 30 + 4;
      const ctx = (k: number): string => (corrupt ? ` ${(lines[k] as string).replace('\t', '    ')}` : ` ${lines[k]}`);
      const body = [
        ...[s - 3, s - 2, s - 1].map(ctx),
        ...lines.slice(s, s + 10).map((l) => `-${l}`),
        ...lines.slice(s, s + 10).map((l) => `+${l.replace('compute', 'recompute')}`),
        ...[s + 10, s + 11, s + 12].map(ctx),
      ];
      reply += `${corrupt ? '@@ ... @@' : `@@ -${s - 2},16 +${s - 2},16 @@`}\n${body.join('\n')}\n`;
    }
  }
  return { reply, files };
}
