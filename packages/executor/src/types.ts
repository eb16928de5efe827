/** Shapes on the wire between the executor and the Inngest SDK (inngest-js 4.x). */
export type InngestEvent = { id: string; name: string; data: unknown; ts: number; user?: unknown };

export type IncomingEvent = { id?: unknown; name?: unknown; data?: unknown; ts?: unknown; user?: unknown };

export type FunctionTrigger = { event?: string; expression?: string; cron?: string };

export type FunctionConfig = {
  id: string;
  name?: string;
  triggers: FunctionTrigger[];
  steps: Record<string, { id: string; name: string; runtime: { type: string; url: string }; retries?: { attempts?: number } }>;
  idempotency?: string;
  concurrency?: { limit: number; key?: string; scope?: string }[] | { limit: number; key?: string };
  cancel?: { event: string; if?: string; timeout?: string }[];
  [option: string]: unknown;
};

export type RegisterBody = {
  url: string;
  appName: string;
  framework?: string;
  sdk?: string;
  functions: FunctionConfig[];
};

export type Op = {
  op: string;
  id: string;
  name?: string;
  displayName?: string;
  data?: unknown;
  error?: unknown;
  opts?: Record<string, unknown>;
};

/** What a step stored for the SDK's memo: {data}, {error}, null (sleep / wait timeout) or a raw event. */
export type Memo = { data: unknown } | { error: unknown } | InngestEvent | null;
