/**
 * The built-in simulator's provider id: an agent whose `provider` is this calls no model (the loop's
 * scripted simulator, server/loop/simulator.ts) and embeds its memories offline. Plain data, safe for
 * the browser; the agent form (server/agents/agent-input.ts), the providers and memory read it here.
 */
export const SIMULATOR_PROVIDER = "simulator";
