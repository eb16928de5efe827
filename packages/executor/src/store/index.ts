/**
 * The executor's durable state, all in PostgreSQL, and the only place its SQL lives. Every function
 * takes a client that may be inside a transaction, so the caller decides what commits together (a
 * step's result and the next job always do). Times are computed by the database (sessions run in UTC).
 */
export { inTransaction, type Db } from "./transaction";
export { EXECUTOR_MIGRATIONS_DIR, migrateExecutorSchema } from "./schema";
export { activeFunction, concurrencyOf, registerApp, unsupportedOptionWarnings, type FunctionRow } from "./apps";
export { BadEventError, normalizeEvent, type NormalizedEvent } from "./events";
export {
  admitJob,
  deleteLeasedJob,
  enqueueJob,
  extendLeases,
  hasRunningSiblings,
  isStepKnown,
  leaseDueJobs,
  msUntilNextJob,
  releaseJobs,
  turnIntoDiscovery,
  type ClaimedJob,
  type Due,
  type Job,
  type JobKind,
} from "./jobs";
export { completeLeasedSteps, completeStep, insertPendingStep, lockInvokingStep, type CheckpointStep } from "./steps";
export { insertWait, lockWaitsFor, resumeMatchingWaits, timeOutWait } from "./waits";
export {
  fireDueCrons,
  finishRun,
  ingestEvents,
  insertInternalEvent,
  recordRequestVersion,
  setImmediateExecutionDisabled,
  startRun,
} from "./runs";
export {
  loadRun,
  queueState,
  runById,
  runMemos,
  runSteps,
  runsOfEvent,
  runTriggerEvents,
  type QueueState,
  type RunContext,
  type RunRow,
  type StepRow,
} from "./reads";
