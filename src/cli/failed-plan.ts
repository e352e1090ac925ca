import { RecordedFailure } from '../errors.js';
import type { PlanFailure } from '../core/plan.js';
import { planFailureJson } from './json-results.js';
import { setResult } from './print.js';

/**
 * A planner reply that is not a valid plan is still a recorded revision attempt: --json returns
 * what it recorded beside the error (as run-task does for an attempt that does not validate).
 */
export async function withFailedPlan<T>(runId: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof RecordedFailure) setResult(planFailureJson(runId, error.recorded as PlanFailure));
    throw error;
  }
}
