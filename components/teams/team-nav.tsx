"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  ["/team", "Members"],
  ["/team/providers", "Model providers"],
  ["/team/mcp", "MCP servers"],
  ["/team/secrets", "Secrets"],
  ["/team/channels", "Channels"],
  ["/team/notifications", "Notifications"],
  ["/team/tokens", "API tokens"],
] as const;

/** The team settings' pages: its people, the model providers its agents call, its MCP servers, the secrets agents send, the channels messages leave by, and the API tokens scripts use. */
export function TeamNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Team settings" className="flex gap-1 overflow-x-auto border-b border-zinc-200 dark:border-zinc-800">
      {LINKS.map(([href, text]) => {
        const isCurrent = pathname === href;
        return (
          <Link
            key={href}
            href={href}
            aria-current={isCurrent ? "page" : undefined}
            className={
              isCurrent
                ? "border-brand-600 -mb-px border-b-2 px-3 py-2 text-sm font-semibold whitespace-nowrap"
                : "px-3 py-2 text-sm whitespace-nowrap text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100"
            }
          >
            {text}
          </Link>
        );
      })}
    </nav>
  );
}
