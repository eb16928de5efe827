/**
 * The one list of events Longhaul sends and handles. Names are `<domain>/<noun>.<verb>`.
 * The agent loop (next milestone) adds its events here: agent/run.requested, agent/approval.decided, ...
 */
export const EVENTS = {} as const;
