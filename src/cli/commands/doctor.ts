import type { Command } from 'commander';
import { doctor, type Check } from '../../core/doctor.js';
import { failWith, setResult } from '../print.js';
import { doctorJson } from '../json-results.js';
import { failedChecks, printChecks } from '../print-checks.js';
import { startFacts } from '../start-facts.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run?: string; provider?: 'ollama' | 'openai' | 'embedded'; baseUrl?: string; allowRemote?: boolean }

export default async function doctorCommand(options: Options, command: Command): Promise<number> {
  const checks = await doctor(workflowEnv(command), {
    run: options.run,
    provider: options.provider as 'ollama' | 'openai' | undefined,
    baseUrl: options.baseUrl,
    allowRemote: options.allowRemote === true,
  });
  const startUp = startUpCheck();
  if (startUp) checks.unshift(startUp);
  setResult(doctorJson(checks));
  return printChecks(checks) ? failWith(failedChecks('doctor', checks)) : 0;
}

/** The tool's own start-up: whether V8 took the build's code cache of the bundle. */
function startUpCheck(): Check | null {
  const facts = startFacts();
  if (facts === null) return null;
  const data = { code_cache: facts.codeCache, node: process.version };
  if (facts.codeCache === 'accepted') return { id: 'start_up', level: 'ok', message: `start-up: the code cache of the CLI fits this Node (${process.version})`, data };
  const why = facts.codeCache === 'missing' ? 'is missing' : `was made by another Node version than this one (${process.version}) or under other V8 flags`;
  return { id: 'start_up', level: 'warn', data, message: `start-up: the code cache of the CLI (dist/cli/cli.cache) ${why}, so every command starts about 30 ms slower: run \`npm run build\` in the tool's folder to make it again` };
}
