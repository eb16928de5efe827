import "server-only";
import { z } from "zod";
import { AGENT_STATUSES } from "../../../shared/agent-status";
import { id, time, usd } from "./schemas";

/** The answer of `GET /agents/{id}/tree` (issue 23): an agent's parent and its sub-agents (server/agents/agent-tree.ts). */
const treeNode = z
  .object({
    id,
    name: z.string(),
    status: z.enum(AGENT_STATUSES),
    statusReason: z.string().nullable(),
    depth: z.number().int().meta({ description: "0 for an agent a person made; a child is one deeper than its parent." }),
    level: z.number().int().meta({ description: "How far below the asked-for agent: 0 for itself, 1 for its children, ..." }),
    parentId: id.nullable(),
    parentCycle: z.number().int().nullable().meta({ description: "The parent's cycle whose `delegate` call started it." }),
    delegationMode: z
      .enum(["wait", "go_on"])
      .nullable()
      .meta({ description: "wait: the parent waits for its result; go_on: the parent goes on and hears of its end as an event." }),
    spentUsd: usd,
    budgetUsd: usd.nullable(),
    tokensUsed: z.string().meta({ description: "Tokens used, as a decimal string." }),
    budgetTokens: z.string().nullable(),
    cycleCount: z.number().int(),
    createdAt: time,
  })
  .meta({ id: "AgentTreeNode" });

export const agentTree = z.object({
  agent: treeNode,
  parent: z.object({ id, name: z.string(), status: z.enum(AGENT_STATUSES) }).nullable(),
  descendants: z.array(treeNode),
});
