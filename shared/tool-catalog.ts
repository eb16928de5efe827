/**
 * Tools an agent can be given. Plain data (safe for the browser): the agent loop implements them.
 * `defaultApproval` is the policy a new agent starts with; people can tighten or loosen it per agent.
 */
export const APPROVAL_POLICIES = ["never", "always", "first_time"] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

export const TOOL_CATALOG = [
  {
    name: "search_memory",
    label: "Search memory",
    description: "Recall long-term memories relevant to a query.",
    risky: false,
    defaultApproval: "never",
  },
  {
    name: "remember",
    label: "Remember",
    description: "Store a fact or an episode in long-term memory.",
    risky: false,
    defaultApproval: "never",
  },
  {
    name: "update_world_state",
    label: "Update world state",
    description: "Record progress and working notes.",
    risky: false,
    defaultApproval: "never",
  },
  {
    name: "http_get",
    label: "HTTP GET",
    description: "Fetch a page or an API from allowed hosts (size- and time-limited).",
    risky: true,
    defaultApproval: "always",
  },
  {
    name: "http_request",
    label: "HTTP request",
    description: "Call an API on allowed hosts with any method, headers and a JSON body; team secrets by name, never shown to the model.",
    risky: true,
    defaultApproval: "always",
  },
  {
    name: "send_message",
    label: "Send message",
    description: "Send a message to the team outbox.",
    risky: true,
    defaultApproval: "always",
  },
  {
    name: "ask_human",
    label: "Ask a person",
    description: "Ask the team a question and wait for the answer.",
    risky: false,
    defaultApproval: "never",
  },
  {
    name: "delegate",
    label: "Delegate",
    description: "Start child agents on sub-goals, with budgets carved out of this agent's; wait for their results or go on.",
    risky: true,
    defaultApproval: "never",
  },
  { name: "finish", label: "Finish", description: "Declare the goal achieved and stop.", risky: false, defaultApproval: "never" },
] as const satisfies readonly { name: string; label: string; description: string; risky: boolean; defaultApproval: ApprovalPolicy }[];

export type ToolName = (typeof TOOL_CATALOG)[number]["name"];

/** Tools that reach only the hosts on the agent's allow-list (the tool setting's `allowedHosts`). */
export const HOST_LIMITED_TOOLS: ReadonlySet<string> = new Set<ToolName>(["http_get", "http_request"]);
export const TOOL_NAMES = TOOL_CATALOG.map((t) => t.name) as [ToolName, ...ToolName[]];

/**
 * How a person settles a tool call whose outcome is unknown (its attempt died mid-call; approval kind
 * "outcome"): approve with "retry" (call it again) or "done" (it happened), or reject (skip: it did not).
 */
export const OUTCOME_RESOLUTIONS = ["retry", "done"] as const;
export type OutcomeResolution = (typeof OUTCOME_RESOLUTIONS)[number];
