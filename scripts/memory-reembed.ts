/**
 * `npm run memory:reembed`: re-embeds the memories that are not on their team's embedder (docs/decisions/033),
 * so recall finds them again. Changing the embedder on the providers page does this on its own (the
 * team-memory-reembed function); this is the same by hand, e.g. after the migration to team embedders.
 *
 *   npm run memory:reembed                      # every agent of every team
 *   npm run memory:reembed -- --team <teamId>   # one team
 *   npm run memory:reembed -- --agent <agentId> # one agent
 *   npm run memory:reembed -- --dry-run         # only count
 *
 * Costs are charged to each agent's budget; an agent whose budget refuses is reported and skipped.
 * Safe to interrupt and run again. Exit code 1 when any agent failed.
 */
import { prepareDatabase } from "./lib/database";

function parseArgs(argv: string[]) {
  const args: { team?: string; agent?: string; dryRun: boolean } = { dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dry-run") args.dryRun = true;
    else if (arg === "--team" || arg === "--agent") {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs an id.`);
      args[arg === "--team" ? "team" : "agent"] = value;
    } else throw new Error(`Unknown option ${arg}. Use --team <id>, --agent <id> or --dry-run.`);
  }
  return args;
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const { stop } = await prepareDatabase({ log: console.log });
let failed = false;
try {
  const { db } = await import("../server/db/client");
  const { reembedAgent, reembedAll } = await import("../server/memory/reembed");
  const print = (r: Awaited<ReturnType<typeof reembedAgent>>) => {
    const what = args.dryRun ? `${r.toDo} to re-embed` : `${r.reembedded} of ${r.toDo} re-embedded ($${r.costUsd.toFixed(6)})`;
    console.log(`agent ${r.agentId} (team ${r.teamId}) -> ${r.embedderId}: ${what}${r.error ? `; stopped: ${r.error}` : ""}`);
    if (r.error) failed = true;
  };
  if (args.agent) {
    const agent = await db.agent.findFirst({
      where: { id: args.agent, ...(args.team ? { teamId: args.team } : {}) },
      select: { teamId: true },
    });
    if (!agent) throw new Error(`No agent ${args.agent}${args.team ? ` in team ${args.team}` : ""}.`);
    print(await reembedAgent({ agentId: args.agent, teamId: agent.teamId, dryRun: args.dryRun }));
  } else {
    const reports = await reembedAll({ teamId: args.team, dryRun: args.dryRun, onAgent: print });
    if (reports.length === 0) console.log("Every memory is already on its agent's current embedder.");
  }
} catch (error) {
  console.error((error as Error).message);
  failed = true;
} finally {
  await stop();
}
process.exit(failed ? 1 : 0);
