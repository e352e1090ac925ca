/**
 * A run of many independent tasks, each creating a file of its own: what bench:scale builds and
 * what the tests that hold a step's git work to a bound whatever the run's size build.
 */

export const manyTaskId = (i: number): string => `T${String(i).padStart(3, '0')}`;
export const manyTaskFile = (i: number): string => `src/mod-${String(i).padStart(3, '0')}.js`;

export function manyTaskPlan(size: number): Record<string, unknown> {
  const tasks = Array.from({ length: size }, (_, n) => ({
    id: manyTaskId(n + 1),
    title: `Module ${n + 1}`,
    description: `Add module ${n + 1}.`,
    files: [manyTaskFile(n + 1)],
    depends_on: [],
    acceptance: [`module ${n + 1} exports its number`],
    artifacts: ['patch.diff'],
  }));
  return { summary: `Add ${size} modules.`, milestones: [{ id: 'M1', title: 'Modules', tasks }] };
}

/** Task i's reply: a new file, as a model writes it (a fence, a line of prose). */
export function manyTaskReply(i: number): string {
  const lines = [`export const value${i} = ${i};`, `export function twice${i}() {`, `  return value${i} * 2;`, '}'];
  const file = manyTaskFile(i);
  return ['```diff', `diff --git a/${file} b/${file}`, 'new file mode 100644', '--- /dev/null', `+++ b/${file}`, `@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`), '```', 'Adds the module.'].join('\n');
}
