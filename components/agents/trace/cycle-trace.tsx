"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { CycleTraceView } from "~/shared/cycle-trace";
import { Badge } from "../../ui/badge";
import { Button } from "../../ui/button";
import { QuerySection } from "../../ui/query-section";
import { Skeleton } from "../../ui/skeleton";
import { useTRPC } from "../../trpc/react";
import { TracePrompt } from "./trace-prompt";
import { TraceReply } from "./trace-reply";
import { TraceWaterfall } from "./trace-waterfall";
import { formatMs } from "./format-ms";

/**
 * A cycle's trace inside its timeline row: opened on request (it is a second read), then spans on a
 * time axis, the exact messages the model was sent and its reply (docs/decisions/038).
 */
export function CycleTraceSection({ agentId, cycle }: { agentId: string; cycle: number }) {
  const [isOpen, setIsOpen] = useState(false);
  return (
    <section aria-label={`Trace of cycle ${cycle}`}>
      <Button
        variant="secondary"
        className="px-2.5 py-1 text-xs"
        aria-expanded={isOpen}
        onClick={() => setIsOpen((open) => !open)}
        data-testid="open-trace"
      >
        {isOpen ? "Hide trace" : "Open trace"}
      </Button>
      {isOpen ? <CycleTrace agentId={agentId} cycle={cycle} /> : null}
    </section>
  );
}

function CycleTrace({ agentId, cycle }: { agentId: string; cycle: number }) {
  const trpc = useTRPC();
  const trace = useQuery(trpc.trace.cycle.queryOptions({ agentId, cycle }));
  return (
    <div className="mt-2 space-y-4" data-testid="cycle-trace">
      <QuerySection query={trace} what="The trace" loading={<Skeleton className="h-40 rounded-lg" label="Loading the trace" />}>
        {(data) => <TraceBody trace={data} agentId={agentId} />}
      </QuerySection>
    </div>
  );
}

function TraceBody({ trace, agentId }: { trace: CycleTraceView; agentId: string }) {
  return (
    <>
      <div className="flex flex-wrap items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
        <span data-testid="trace-total">
          {trace.spans.length} spans over {formatMs(trace.totalMs)}
        </span>
        {trace.source === "events" ? (
          <Badge tone="amber">from the events only: this cycle has no recorded trace</Badge>
        ) : (
          <Badge tone="sky">recorded by the loop</Badge>
        )}
        <DownloadOtlp agentId={agentId} cycle={trace.cycle} />
      </div>
      <TraceWaterfall spans={trace.spans} totalMs={trace.totalMs} />
      {trace.prompt ? <TracePrompt prompt={trace.prompt} /> : null}
      {trace.reply ? <TraceReply reply={trace.reply} /> : null}
    </>
  );
}

/** The trace as OTLP/JSON with the GenAI semantic conventions, saved as a file (for a collector or a viewer). */
function DownloadOtlp({ agentId, cycle }: { agentId: string; cycle: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isBusy, setIsBusy] = useState(false);
  const download = async () => {
    setIsBusy(true);
    try {
      const otlp = await queryClient.fetchQuery(trpc.trace.otlp.queryOptions({ agentId, cycle }));
      const url = URL.createObjectURL(new Blob([JSON.stringify(otlp, null, 2)], { type: "application/json" }));
      const a = Object.assign(document.createElement("a"), { href: url, download: `cycle-${cycle}-trace.otlp.json` });
      a.click();
      URL.revokeObjectURL(url);
    } finally {
      setIsBusy(false);
    }
  };
  return (
    <Button variant="ghost" className="ml-auto px-2 py-1 text-xs" onClick={download} isLoading={isBusy}>
      Download OTLP JSON
    </Button>
  );
}
