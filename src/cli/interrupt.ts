/**
 * Ctrl-C and SIGTERM. The first SIGINT aborts the model call in progress (the command then records
 * the partial reply, appends its audit line, releases the run's lock and exits 130); if the command
 * is not in a model call and has not finished within a short grace period, or on a second SIGINT,
 * the process exits 130 at once. Writes are synchronous, so an exit never lands inside one; the
 * 'exit' hooks then append the command's audit line if it had none, kill a running check's group
 * and remove the run lock. SIGTERM exits 143 the same way.
 */
const controller = new AbortController();
export const interruptSignal: AbortSignal = controller.signal;

export const INTERRUPTED_EXIT = 130;
const GRACE_MS = 3000;

export function installSignalHandlers(): void {
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(INTERRUPTED_EXIT);
    process.stderr.write('\ninterrupted: stopping the model call…\n');
    controller.abort();
    setTimeout(() => process.exit(INTERRUPTED_EXIT), GRACE_MS).unref();
  });
  process.on('SIGTERM', () => process.exit(143));
}
