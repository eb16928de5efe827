import "server-only";
// Importing this module registers every tool. Add a custom tool by registering it in a file
// imported here (see builtins.ts for the shape).
import "./builtins";
import "./http-request";
import "./delegate";

export { getTool, listTools, parseToolCall, toolsForModel, type ToolContext, type ToolDefinition } from "./registry";
