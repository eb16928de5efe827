import Link from "next/link";

/** Above a page under /agents: the way back to the list. */
export function AgentsBreadcrumb() {
  return (
    <p className="text-sm">
      <Link href="/agents" className="text-zinc-500 hover:underline">
        Agents
      </Link>
    </p>
  );
}
