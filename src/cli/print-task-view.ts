import type { TaskView } from '../core/task-context.js';
import type { Colours } from './colour.js';
import { out } from './print.js';

const SEEN: Record<TaskView['files'][number]['state'], string> = {
  visible: 'the executor sees it',
  hidden: 'exists, but the executor cannot see it',
  withheld: 'looks like a secret, so it is withheld from the executor (add-context --file PATH --allow-secret if it is not)',
  excluded: 'taken out with remove-context: the executor cannot see it',
  absent: 'not in the repository at base + approved patches (a new file, or a mistake?)',
};

/** `show --task` before the task has run: the task, and which of its files the executor will see. */
export function printTaskView(view: TaskView, c: Colours): void {
  const { task } = view;
  out(c.bold(`run ${view.run_id}: ${task.id} ${task.title}${view.state ? ` [${view.state}]` : ''}: not run yet`));
  for (const line of task.description.trim().split('\n')) out(`  ${line}`);
  out(`depends on: ${task.depends_on.length > 0 ? task.depends_on.join(', ') : 'nothing'}`);
  out('acceptance:');
  for (const item of task.acceptance) out(`  - ${item}`);
  out('files:');
  for (const file of view.files) {
    const note = SEEN[file.state];
    out(`  ${file.path}: ${file.state === 'hidden' || file.state === 'withheld' ? c.yellow(note) : note}`);
  }
  for (const next of view.next) out(`next: ${next}`);
}
