import type { NextStep } from '../schema/json-output.js';

/**
 * A next command as the core words it for a person (`llm-orchestrator NAME ARGS…`, perhaps after
 * a note such as `wait for run-task (pid 42) to finish, then: `), for --json: the command, its
 * arguments as a shell would split them, and the command line itself. The core writes arguments
 * as plain words or in double quotes (`--feedback "..."`) and nothing else, so that is all this reads.
 */
export function nextStep(text: string): NextStep {
  const at = text.indexOf('llm-orchestrator ');
  const shell = at < 0 ? text : text.slice(at);
  const [, command = '', ...args] = shellWords(shell);
  return { command, args, shell };
}

function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
}
