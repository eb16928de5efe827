"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/**
 * A main-navigation link that marks itself as the current page (`aria-current="page"`) on its own
 * path and the paths below it. A small client island, so the app shell stays a server component.
 */
export function NavLink({ href, className, children }: { href: string; className?: string; children: React.ReactNode }) {
  const pathname = usePathname();
  const isActive = pathname === href || pathname.startsWith(`${href}/`);
  return (
    <Link href={href} aria-current={isActive ? "page" : undefined} className={className}>
      {children}
    </Link>
  );
}
