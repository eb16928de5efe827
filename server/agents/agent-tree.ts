import "server-only";
import { db, type Prisma } from "../db/client";
import { AppError } from "../errors";
import { IMPORTING } from "../../shared/agent-status";
import { DELEGATION_LIMITS } from "../../shared/delegation";
import { descendantsOf } from "./tree";

/**
 * One agent's place in its tree of sub-agents (issue 23, docs/decisions/040): the parent that started it
 * and every descendant it started, for the agent page's Sub-agents panel, `agent.tree` and
 * `GET /api/v1/agents/{id}/tree`. Team-scoped on every query; read level by level (a tree is at most
 * `DELEGATION_LIMITS.maxDepth` deep), descendants in pre-order (each child right after its parent).
 */
type Ids = { agentId: string; teamId: string };

const nodeSelect = {
  id: true,
  name: true,
  status: true,
  statusReason: true,
  depth: true,
  parentId: true,
  parentCycle: true,
  delegationMode: true,
  spentUsd: true,
  budgetUsd: true,
  tokensUsed: true,
  budgetTokens: true,
  cycleCount: true,
  createdAt: true,
} satisfies Prisma.AgentSelect;

type NodeRow = Prisma.AgentGetPayload<{ select: typeof nodeSelect }>;

function toNode(row: NodeRow, level: number) {
  return {
    ...row,
    /** 1 for the agent's own children, 2 for theirs, ...: how far to indent it under the agent. */
    level,
    spentUsd: row.spentUsd.toString(),
    budgetUsd: row.budgetUsd?.toString() ?? null,
    tokensUsed: row.tokensUsed.toString(),
    budgetTokens: row.budgetTokens?.toString() ?? null,
  };
}
export type AgentTreeNode = ReturnType<typeof toNode>;

/** The most children listed under one agent (a parent may start at most `maxTotalChildren` in its life). */
const CHILDREN_PER_PARENT = DELEGATION_LIMITS.maxTotalChildren;

export async function agentTree({ agentId, teamId }: Ids) {
  const agent = await db.agent.findFirst({
    where: { id: agentId, teamId, status: { not: IMPORTING } },
    select: { ...nodeSelect, parent: { select: { id: true, name: true, status: true, teamId: true } } },
  });
  if (!agent) throw new AppError("NOT_FOUND", "That agent was not found, or you do not have access to it.");
  // A parent is always of the agent's team; the check keeps the rule visible (team scoping in every read).
  const parent = agent.parent && agent.parent.teamId === teamId ? agent.parent : null;

  const byParent = new Map<string, NodeRow[]>();
  let frontier = [agent.id];
  for (let level = 1; level <= DELEGATION_LIMITS.maxDepth && frontier.length > 0; level++) {
    const children = await db.agent.findMany({
      where: { teamId, parentId: { in: frontier }, status: { not: IMPORTING } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: frontier.length * CHILDREN_PER_PARENT,
      select: nodeSelect,
    });
    for (const child of children) {
      const siblings = byParent.get(child.parentId!) ?? [];
      siblings.push(child);
      byParent.set(child.parentId!, siblings);
    }
    frontier = children.map((child) => child.id);
  }

  const descendants: AgentTreeNode[] = [];
  const walk = (id: string, level: number) => {
    for (const child of byParent.get(id) ?? []) {
      descendants.push(toNode(child, level));
      walk(child.id, level + 1);
    }
  };
  walk(agent.id, 1);

  return {
    agent: toNode(agent, 0),
    parent: parent ? { id: parent.id, name: parent.name, status: parent.status } : null,
    descendants,
  };
}
export type AgentTree = Awaited<ReturnType<typeof agentTree>>;

/**
 * What a share link or an export says about the tree it does not include (issue 23): whether the agent
 * was started by another agent, and how many sub-agents it has (its whole tree below it).
 */
export async function treeNote({ agentId, teamId }: Ids) {
  const [agent, descendants] = await Promise.all([
    db.agent.findFirst({ where: { id: agentId, teamId }, select: { parentId: true } }),
    descendantsOf({ agentId, teamId }),
  ]);
  return { hasParent: Boolean(agent?.parentId), subAgents: descendants.length };
}

/** The sentence an export's header carries: what it holds of the tree. */
export function treeNoteText({ hasParent, subAgents }: { hasParent: boolean; subAgents: number }) {
  const below =
    subAgents === 0
      ? "It has no sub-agents."
      : `Its ${subAgents} ${subAgents === 1 ? "sub-agent is" : "sub-agents are"} not included; export each on its own.`;
  const above = hasParent ? " It was started by another agent, which is not included either." : "";
  return `This export holds this agent only. ${below}${above}`;
}
