import type { Run } from '../store/run-store.js';
import { currentlyApplied } from './applications.js';

/** The tasks whose patch `apply-task` applied here and no `undo-task` took out since, in the order applied. */
export function appliedTasks(run: Run): string[] {
  return currentlyApplied(run);
}
