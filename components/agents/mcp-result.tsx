import { clsx } from "clsx";
import type { ReactNode } from "react";
import {
  formatBytes,
  imageDataUrl,
  progressPercent,
  safeHttpUrl,
  type McpBlock,
  type McpResultShown,
  type McpToolProgress,
} from "~/shared/mcp-results";

/**
 * An MCP tool call's result (shared/mcp-results.ts) as the agent page and share links show it: the
 * server and tool, each content block (text, images kept small enough, links only when http(s)), the
 * structured content, and what was cut. No state and no hooks: the share page renders it on the server.
 * What a server returned is its text, never markup: everything is rendered as text by React.
 */
export function McpResult({ result }: { result: McpResultShown }) {
  const joinedText = result.content
    .filter((b): b is Extract<McpBlock, { type: "text" }> => b.type === "text")
    .map((b) => b.text)
    .join("\n");
  return (
    <div
      className={clsx(
        "min-w-0 space-y-2 rounded-md p-3 ring-1",
        result.isError
          ? "bg-red-50 ring-red-200 dark:bg-red-950/40 dark:ring-red-900"
          : "bg-zinc-50 ring-zinc-200 dark:bg-zinc-950 dark:ring-zinc-800",
      )}
      data-testid="mcp-result"
      data-error={result.isError || undefined}
    >
      <p className="flex flex-wrap items-baseline gap-x-2 text-xs">
        <span className="font-semibold text-zinc-700 dark:text-zinc-200">{result.mcp.server}</span>
        <span className="text-zinc-400" aria-hidden>
          ›
        </span>
        <span className="font-mono break-all text-zinc-700 dark:text-zinc-200">{result.mcp.tool}</span>
        {result.isError ? (
          <span className="font-medium text-red-700 dark:text-red-300" data-testid="mcp-result-error">
            The tool reported an error
          </span>
        ) : null}
      </p>
      {result.content.length === 0 ? <p className="text-xs text-zinc-500 italic dark:text-zinc-400">No content.</p> : null}
      {result.content.map((block, index) => (
        <McpBlockView key={index} block={block} isError={result.isError} />
      ))}
      {result.unreadableBlocks > 0 ? (
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          {result.unreadableBlocks} more {result.unreadableBlocks === 1 ? "block" : "blocks"} of a kind this page cannot show.
        </p>
      ) : null}
      {result.structuredContent !== undefined ? (
        <Disclosure label="Structured content" testId="mcp-structured">
          <Pre>{JSON.stringify(result.structuredContent, null, 2)}</Pre>
        </Disclosure>
      ) : null}
      {result.text !== joinedText && result.text !== "" ? (
        <Disclosure label="What the model was given">
          <Pre>{result.text}</Pre>
        </Disclosure>
      ) : null}
      {result.truncated ? (
        <p className="text-xs text-amber-800 dark:text-amber-300" data-testid="mcp-truncated">
          {result.truncated.note} ({formatBytes(result.truncated.bytes)} in all)
        </p>
      ) : null}
    </div>
  );
}

/** Texts longer than this are shown folded, their first lines visible. */
const FOLD_CHARS = 600;
const FOLD_LINES = 12;

function McpBlockView({ block, isError }: { block: McpBlock; isError: boolean }) {
  switch (block.type) {
    case "text":
      return <LongText text={block.text} className={isError ? "text-red-900 dark:text-red-200" : undefined} />;
    case "image": {
      const src = imageDataUrl(block);
      return src ? (
        // eslint-disable-next-line @next/next/no-img-element -- a data URL from the event, not a file next/image could optimise
        <img
          src={src}
          alt={`Image from the tool (${block.mimeType}, ${formatBytes(block.bytes)})`}
          className="max-h-80 max-w-full rounded bg-white ring-1 ring-zinc-200 dark:ring-zinc-700"
          data-testid="mcp-image"
        />
      ) : (
        <Placeholder kind="Image" mimeType={block.mimeType} bytes={block.bytes} />
      );
    }
    case "audio":
      return <Placeholder kind="Audio" mimeType={block.mimeType} bytes={block.bytes} />;
    case "resource_link":
      return (
        <div className="text-sm" data-testid="mcp-resource-link">
          <ResourceUri uri={block.uri} label={block.title ?? block.name} />
          {block.mimeType ? <span className="ml-2 text-xs text-zinc-500 dark:text-zinc-400">{block.mimeType}</span> : null}
          {block.description ? <p className="text-xs text-zinc-600 dark:text-zinc-400">{block.description}</p> : null}
        </div>
      );
    case "resource":
      return (
        <div className="space-y-1 text-sm" data-testid="mcp-resource">
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            Resource <ResourceUri uri={block.uri} />
            {block.mimeType ? ` · ${block.mimeType}` : ""}
            {block.bytes !== undefined ? ` · ${formatBytes(block.bytes)}${block.text === undefined ? " (not kept)" : ""}` : ""}
          </p>
          {block.text !== undefined ? <LongText text={block.text} /> : null}
        </div>
      );
  }
}

/** A link only for http(s) (opened without referrer or opener, not followed by crawlers); any other URI as text. */
function ResourceUri({ uri, label }: { uri: string; label?: string }) {
  const href = safeHttpUrl(uri);
  if (!href) {
    return (
      <span className="break-all">
        {label ? <span className="font-medium">{label} </span> : null}
        <span className="font-mono text-xs">{uri}</span>
      </span>
    );
  }
  return (
    <a
      href={href}
      target="_blank"
      rel="noopener noreferrer nofollow"
      className="text-brand-700 dark:text-brand-400 font-medium break-all underline underline-offset-2"
    >
      {label ?? uri}
      {label ? <span className="ml-1 font-mono text-xs font-normal">{uri}</span> : null}
    </a>
  );
}

function Placeholder({ kind, mimeType, bytes }: { kind: string; mimeType: string; bytes: number }) {
  return (
    <p
      className="inline-block rounded border border-dashed border-zinc-300 px-2 py-1 text-xs text-zinc-600 dark:border-zinc-700 dark:text-zinc-400"
      data-testid="mcp-placeholder"
    >
      {kind}: {mimeType}, {formatBytes(bytes)} (not kept)
    </p>
  );
}

function Pre({ children, className }: { children: string; className?: string }) {
  return (
    <pre
      tabIndex={0}
      className={clsx(
        "max-h-96 overflow-auto font-mono text-xs break-words whitespace-pre-wrap text-zinc-800 dark:text-zinc-200",
        className,
      )}
    >
      {children}
    </pre>
  );
}

/** Pre-wrapped text; a long one folded to its first lines, the rest one click away. */
function LongText({ text, className }: { text: string; className?: string }) {
  const lines = text.split("\n");
  if (text.length <= FOLD_CHARS && lines.length <= FOLD_LINES) return <Pre className={className}>{text}</Pre>;
  const preview = lines.slice(0, FOLD_LINES).join("\n").slice(0, FOLD_CHARS);
  return (
    <details className="group" data-testid="mcp-long-text">
      <summary className="cursor-pointer list-none [&::-webkit-details-marker]:hidden">
        <span
          className={clsx(
            "block max-h-96 overflow-hidden font-mono text-xs break-words whitespace-pre-wrap text-zinc-800 group-open:hidden dark:text-zinc-200",
            className,
          )}
        >{`${preview}…`}</span>
        <span className="text-brand-700 dark:text-brand-400 text-xs font-medium">
          <span className="group-open:hidden">Show all {text.length.toLocaleString("en-US")} characters</span>
          <span className="hidden group-open:inline">Show less</span>
        </span>
      </summary>
      <Pre className={clsx("mt-1", className)}>{text}</Pre>
    </details>
  );
}

function Disclosure({ label, testId, children }: { label: string; testId?: string; children: ReactNode }) {
  return (
    <details data-testid={testId}>
      <summary className="cursor-pointer text-xs font-medium text-zinc-600 dark:text-zinc-400">{label}</summary>
      <div className="mt-1">{children}</div>
    </details>
  );
}

/** An MCP call's latest progress: a bar when the server said out of how much, else the count so far. */
export function McpProgressLine({ progress, updates }: { progress: McpToolProgress; updates: number }) {
  const percent = progressPercent(progress);
  const amount =
    progress.total !== undefined && percent !== null
      ? `${progress.progress.toLocaleString("en-US")} of ${progress.total.toLocaleString("en-US")}`
      : `${progress.progress.toLocaleString("en-US")} so far`;
  return (
    <div className="space-y-1" data-testid="mcp-progress" data-name={progress.name}>
      <p className="flex flex-wrap items-baseline gap-x-2 text-xs">
        <span className="font-mono break-all">{progress.name}</span>
        <span className="text-zinc-600 tabular-nums dark:text-zinc-300">{amount}</span>
        {progress.message ? <span className="min-w-0 break-words text-zinc-600 dark:text-zinc-400">{progress.message}</span> : null}
        {updates > 1 ? <span className="text-zinc-500 dark:text-zinc-500">({updates} updates)</span> : null}
      </p>
      {percent !== null ? (
        <div
          role="progressbar"
          aria-label={`Progress of ${progress.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(percent)}
          className="h-1.5 w-full max-w-sm overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
        >
          <div className="bg-brand-600 h-full rounded-full" style={{ width: `${percent}%` }} />
        </div>
      ) : null}
    </div>
  );
}

/** The newest progress of each call among a cycle's observations, with how many updates each had. */
export function latestProgress(progress: readonly McpToolProgress[]): { progress: McpToolProgress; updates: number }[] {
  const byName = new Map<string, { progress: McpToolProgress; updates: number }>();
  for (const p of progress) byName.set(p.name, { progress: p, updates: (byName.get(p.name)?.updates ?? 0) + 1 });
  return [...byName.values()];
}
