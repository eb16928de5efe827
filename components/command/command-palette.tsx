"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Command } from "cmdk";
import { usePathname, useRouter } from "next/navigation";
import { useDeferredValue, useState } from "react";
import { toast } from "sonner";
import { allows } from "~/shared/agent-status";
import { useTRPC } from "../trpc/react";
import { GO_TO } from "./shortcuts";

const ITEM =
  "flex cursor-pointer items-center justify-between gap-3 rounded-md px-3 py-2 text-sm aria-selected:bg-zinc-100 dark:aria-selected:bg-zinc-800";
const GROUP =
  "px-1 py-1 [&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-semibold [&_[cmdk-group-heading]]:text-zinc-500 dark:[&_[cmdk-group-heading]]:text-zinc-400";

/**
 * The command palette (Ctrl+K / ⌘K): jump to an agent by name, approve the next held call (named, so
 * Enter approves exactly what is shown), pause or resume the agent on screen, go to a page. Actions go
 * through the same procedures as the buttons, so the server's permissions apply; a refusal is a toast.
 */
export function CommandPalette({
  open,
  onOpenChange,
  onShowHelp,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onShowHelp: () => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const query = useDeferredValue(search.trim());
  const agentId = /^\/agents\/([0-9a-f-]{36})/.exec(pathname)?.[1] ?? null;
  const agents = useQuery({ ...trpc.agent.list.queryOptions({ search: query || undefined, limit: 8 }), enabled: open });
  const current = useQuery({ ...trpc.agent.byId.queryOptions({ id: agentId ?? "" }), enabled: open && agentId !== null });
  const pending = useQuery({ ...trpc.approval.listPending.queryOptions(), enabled: open });
  const nextCall = pending.data?.find((a) => a.kind === "tool") ?? null;
  const close = () => {
    onOpenChange(false);
    setSearch("");
  };
  const refresh = () => queryClient.invalidateQueries();
  const fail = (error: { message: string }) => toast.error(error.message);
  const decide = useMutation(trpc.approval.decide.mutationOptions({ onSuccess: refresh, onError: fail }));
  const pause = useMutation(trpc.agent.pause.mutationOptions({ onSuccess: refresh, onError: fail }));
  const start = useMutation(trpc.agent.start.mutationOptions({ onSuccess: refresh, onError: fail }));
  const go = (path: string) => {
    close();
    router.push(path);
  };
  const status = current.data?.status;
  const canPause = !!status && allows("pause", status) && matches(search, "pause");
  const canStart = !!status && allows("start", status) && matches(search, "resume start");
  const pages = Object.entries(GO_TO).filter(([, to]) => matches(search, `go ${to.label}`));
  const showsHelp = matches(search, "keyboard shortcuts help");
  const waitingAfter = (pending.data?.length ?? 0) - 1;
  return (
    <Command.Dialog
      open={open}
      onOpenChange={(next) => (next ? onOpenChange(true) : close())}
      label="Command palette"
      shouldFilter={false}
      overlayClassName="fixed inset-0 z-40 bg-zinc-950/40 dark:bg-black/70"
      contentClassName="fixed inset-x-0 top-[12vh] z-50 mx-auto w-[min(38rem,calc(100vw-2rem))] overflow-hidden rounded-xl bg-white text-zinc-900 shadow-xl ring-1 ring-zinc-200 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-800"
    >
      <Command.Input
        value={search}
        onValueChange={setSearch}
        placeholder="Jump to an agent, or type a command…"
        aria-label="Search agents and commands"
        className="w-full border-b border-zinc-200 bg-transparent px-4 py-3 text-sm outline-none dark:border-zinc-800"
      />
      <Command.List className="max-h-[60vh] overflow-y-auto p-1" data-testid="palette-list">
        <Command.Empty className="px-4 py-3 text-sm text-zinc-500">Nothing matches “{search}”.</Command.Empty>
        {nextCall && matches(search, `approve next ${nextCall.toolName ?? ""} ${nextCall.agent.name}`) ? (
          <Command.Group heading="Approvals" className={GROUP}>
            <Command.Item
              value="approve-next"
              className={ITEM}
              onSelect={() => {
                close();
                decide.mutate(
                  { approvalId: nextCall.id, decision: "approved" },
                  { onSuccess: () => toast.success(`Approved ${nextCall.toolName ?? "the call"} for ${nextCall.agent.name}.`) },
                );
              }}
            >
              <span>
                Approve next: <span className="font-mono">{nextCall.toolName}</span> for {nextCall.agent.name}
              </span>
              {waitingAfter > 0 ? <span className="text-xs text-zinc-500">{waitingAfter} more waiting</span> : null}
            </Command.Item>
          </Command.Group>
        ) : null}
        {current.data && (canPause || canStart) ? (
          <Command.Group heading={`This agent: ${current.data.name}`} className={GROUP}>
            {canPause ? (
              <Command.Item
                value="pause"
                className={ITEM}
                onSelect={() => (
                  close(),
                  pause.mutate({ id: current.data.id }, { onSuccess: () => toast.success("Paused at the next safe point.") })
                )}
              >
                Pause this agent
              </Command.Item>
            ) : null}
            {canStart ? (
              <Command.Item
                value="start"
                className={ITEM}
                onSelect={() => (close(), start.mutate({ id: current.data.id }, { onSuccess: () => toast.success("Started.") }))}
              >
                {status === "idle" || status === "hibernated" ? "Start this agent" : "Resume this agent"}
              </Command.Item>
            ) : null}
          </Command.Group>
        ) : null}
        {(agents.data?.items.length ?? 0) > 0 ? (
          <Command.Group heading="Agents" className={GROUP}>
            {agents.data!.items.map((agent) => (
              <Command.Item key={agent.id} value={`agent-${agent.id}`} className={ITEM} onSelect={() => go(`/agents/${agent.id}`)}>
                <span className="truncate">{agent.name}</span>
                <span className="text-xs text-zinc-500">{agent.status.replace(/_/g, " ")}</span>
              </Command.Item>
            ))}
          </Command.Group>
        ) : null}
        {pages.length > 0 || showsHelp ? (
          <Command.Group heading="Go to" className={GROUP}>
            {pages.map(([key, to]) => (
              <Command.Item key={key} value={`go-${key}`} className={ITEM} onSelect={() => go(to.path)}>
                {to.label}
                <kbd className="rounded bg-zinc-100 px-1 text-xs dark:bg-zinc-800">g {key}</kbd>
              </Command.Item>
            ))}
            {showsHelp ? (
              <Command.Item value="help" className={ITEM} onSelect={() => (close(), onShowHelp())}>
                Keyboard shortcuts
                <kbd className="rounded bg-zinc-100 px-1 text-xs dark:bg-zinc-800">?</kbd>
              </Command.Item>
            ) : null}
          </Command.Group>
        ) : null}
      </Command.List>
    </Command.Dialog>
  );
}

/** Every word typed appears in the command's words (the agents are searched by the server). */
function matches(search: string, words: string) {
  const haystack = words.toLowerCase();
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}
