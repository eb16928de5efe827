import Link from "next/link";
import { Suspense } from "react";
import { NavLink } from "../approvals/nav-link";
import { PendingApprovalsCount } from "../approvals/pending-count";
import { SignOutButton } from "../auth/sign-out-button";
import { TeamSwitchedNotice } from "../teams/team-switched-notice";
import { TeamSwitcher } from "../teams/team-switcher";
import { AuditNavLink } from "./admin-nav-link";
import { KeyboardLayer } from "../command/keyboard-layer";

const NAV_LINK =
  "rounded-md px-2.5 py-1.5 font-medium whitespace-nowrap text-zinc-700 hover:bg-zinc-100 aria-[current=page]:bg-zinc-100 aria-[current=page]:text-zinc-900 " +
  "dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800 dark:aria-[current=page]:text-white";

export function AppShell({ userName, userEmail, children }: { userName: string; userEmail: string; children: React.ReactNode }) {
  return (
    <div className="min-h-screen">
      <a
        href="#content"
        className="focus:text-brand-700 sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:font-semibold focus:shadow-md focus:ring-2"
      >
        Skip to content
      </a>
      <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/agents" className="text-lg font-bold tracking-tight">
            <span className="text-brand-600 dark:text-brand-400">Long</span>haul
          </Link>
          <nav aria-label="Main" className="flex min-w-0 flex-wrap gap-1 text-sm">
            <NavLink href="/agents" className={NAV_LINK}>
              Agents
            </NavLink>
            <NavLink href="/overview" className={NAV_LINK}>
              Overview
            </NavLink>
            <NavLink href="/activity" className={NAV_LINK}>
              Activity
            </NavLink>
            <NavLink href="/approvals" className={NAV_LINK}>
              Approvals
              <PendingApprovalsCount />
            </NavLink>
            <NavLink href="/team" className={NAV_LINK}>
              Team
            </NavLink>
            <AuditNavLink className={NAV_LINK} />
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <KeyboardLayer />
            <TeamSwitcher />
            <span className="hidden text-sm text-zinc-500 sm:inline" title={userEmail}>
              {userName}
            </span>
            <SignOutButton />
          </div>
        </div>
      </header>
      <main id="content" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-8 focus:outline-none">
        <Suspense>
          <TeamSwitchedNotice />
        </Suspense>
        {children}
      </main>
    </div>
  );
}
