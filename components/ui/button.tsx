import { clsx } from "clsx";
import Link from "next/link";
import type { AnchorHTMLAttributes, ButtonHTMLAttributes, ReactNode } from "react";

type Variant = "primary" | "secondary" | "ghost" | "danger" | "outline";

const BASE =
  "inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold transition focus-visible:outline-2 focus-visible:outline-offset-2";
/** A button that cannot be pressed looks it (primary fades its own colour; a loading button keeps its look). */
const FADED_WHEN_DISABLED = "disabled:not-aria-busy:opacity-50";

const VARIANTS: Record<Variant, string> = {
  primary: "bg-brand-600 text-white shadow-xs hover:bg-brand-700 focus-visible:outline-brand-600 disabled:bg-brand-600/60",
  secondary:
    "bg-white text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800",
  ghost: "text-zinc-700 shadow-xs hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800",
  danger: "bg-red-600 text-white shadow-xs hover:bg-red-700 focus-visible:outline-red-600",
  /** A ring on the page's own background: secondary actions that are links (Import, Export, Edit). */
  outline: "ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 dark:ring-zinc-700 dark:hover:bg-zinc-800",
};

export function Button({
  variant = "primary",
  className,
  isLoading,
  children,
  disabled,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; isLoading?: boolean }) {
  return (
    <button
      {...props}
      disabled={disabled ?? isLoading}
      aria-busy={isLoading || undefined}
      className={clsx(BASE, "disabled:cursor-not-allowed", variant !== "primary" && FADED_WHEN_DISABLED, VARIANTS[variant], className)}
    >
      {isLoading ? <span className="size-3.5 animate-spin rounded-full border-2 border-current border-t-transparent" aria-hidden /> : null}
      {children}
    </button>
  );
}

/** A link that looks like a button: navigation (Next's Link), or a plain anchor for a download. */
export function ButtonLink({
  href,
  variant = "primary",
  className,
  children,
  ...props
}: Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & { href: string; variant?: Variant; children: ReactNode }) {
  const classes = clsx(BASE, VARIANTS[variant], className);
  if (props.download !== undefined) {
    return (
      <a href={href} className={classes} {...props}>
        {children}
      </a>
    );
  }
  return (
    <Link href={href} className={classes} {...props}>
      {children}
    </Link>
  );
}
