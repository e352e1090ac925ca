/**
 * Test hook for the crash tests: the function returned kills the process (SIGKILL, no clean-up)
 * at its Nth call when the environment variable `variable` is N. Never set in normal use.
 */
export function crashPointAt(variable: string): () => void {
  let calls = 0;
  return () => {
    const at = process.env[variable];
    if (at === undefined) return;
    calls += 1;
    if (calls === Number(at)) process.kill(process.pid, 'SIGKILL');
  };
}
