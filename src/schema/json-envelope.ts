import './zod.js';
import * as z from 'zod/mini';
import { Bool, NullableText, Text } from './leaves.js';
import { Plan } from './plan.js';
import { Approval, CarryOver, CheckRecord, FixRecord, PatchValidationRecord } from './run-files.js';
import {
  AddContextOutput,
  ApplyTaskOutput,
  ApprovePlanOutput,
  CheckOutcome,
  CheckPatchOutput,
  DoctorOutput,
  ExecResponseOutput,
  ExportOutput,
  FileChange,
  InitOutput,
  ListContextOutput,
  NextStep,
  PlanOutput,
  RemoveContextOutput,
  ReplayOutput,
  ReportOutput,
  RunsOutput,
  RunTaskOutput,
  ShowOutput,
  StatusOutput,
  UndoTaskOutput,
  VerifyOutput,
} from './json-output.js';

/**
 * The whole of a `--json` output: the envelope around each command's result (json-output.ts), and
 * the JSON Schema of all of them that docs/json-schema.json is generated from. Used by the tests
 * and the script that writes the schema, never by the CLI at run time.
 */

const Int = z.int();

/** Each command's `result`; a command that failed before it had one gives null. */
export const COMMAND_RESULTS = {
  init: InitOutput,
  plan: PlanOutput,
  'revise-plan': PlanOutput,
  'edit-plan': PlanOutput,
  'approve-plan': ApprovePlanOutput,
  'reject-plan': Approval,
  'run-task': RunTaskOutput,
  'approve-task': Approval,
  'reject-task': Approval,
  'add-context': AddContextOutput,
  'remove-context': RemoveContextOutput,
  'list-context': ListContextOutput,
  status: StatusOutput,
  show: ShowOutput,
  'apply-task': ApplyTaskOutput,
  'undo-task': UndoTaskOutput,
  runs: RunsOutput,
  'check-patch': CheckPatchOutput,
  verify: VerifyOutput,
  replay: ReplayOutput,
  export: ExportOutput,
  report: ReportOutput,
  doctor: DoctorOutput,
} as const;
export type JsonCommand = keyof typeof COMMAND_RESULTS;

/**
 * The one object on standard output: `ok` is `exit_code === 0`, `error` the one-line message
 * (also on standard error), `warnings` the warning lines. `command` is null only for a usage error
 * that names no command.
 */
export function outputEnvelope<T extends z.ZodMiniType>(command: z.ZodMiniType, result: T) {
  return z.strictObject({ ok: Bool, command, exit_code: Int, result: z.nullable(result), error: NullableText, warnings: z.array(Text) });
}

/** The envelope of one command's output. */
export function commandOutput(command: JsonCommand) {
  return outputEnvelope(z.literal(command), COMMAND_RESULTS[command]);
}

/** A usage error refused before any command ran (unknown command, missing option): no result. */
export const UsageErrorOutput = outputEnvelope(z.nullable(Text), z.null());

/**
 * The JSON Schema (draft 2020-12) of every `--json` output: one `anyOf` branch per command (and
 * one for a usage error), each result and the shapes several share under `$defs`, by name.
 */
export function jsonOutputSchema(): Record<string, unknown> {
  const named = z.registry<{ id: string }>();
  const shared = { FileChange, NextStep, CheckOutcome, ExecResponse: ExecResponseOutput, Plan, Approval, CheckRecord, FixRecord, PatchValidationRecord, CarryOver };
  for (const [id, schema] of Object.entries(shared)) named.add(schema, { id });
  const results = new Set<z.ZodMiniType>(Object.values(COMMAND_RESULTS));
  for (const [command, schema] of Object.entries(COMMAND_RESULTS)) {
    if (!Object.values(shared).includes(schema as never) && results.delete(schema)) named.add(schema, { id: `${command.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase())}Result` });
  }
  const branches = (Object.keys(COMMAND_RESULTS) as JsonCommand[]).map((command) => commandOutput(command));
  const schema = z.toJSONSchema(z.union([...branches, UsageErrorOutput]), { metadata: named }) as Record<string, unknown>;
  return { $schema: schema.$schema, title: 'llm-orchestrator --json output', ...schema };
}
