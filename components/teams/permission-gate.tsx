"use client";

import { clsx } from "clsx";
import { useEffect, useId, useLayoutEffect, useRef, useState, type ComponentProps, type ReactNode } from "react";
import type { Permission } from "~/shared/roles";
import { Button } from "../ui/button";
import { usePermissions } from "./use-permissions";

type Gate = {
  /** What the control needs (shared/roles.ts). */
  permission: Permission;
  /** Completes "Viewers cannot …": "pause agents", "raise budgets". */
  action: string;
};

/**
 * A control the person may not use, written once: shown disabled (`aria-disabled`, so it stays in the
 * tab order and can be tapped), its reason on hover (`title`), for screen readers (aria-describedby a
 * sentence), and on a tap, a click or Enter: a phone has no hover, so pressing the greyed-out control
 * shows the same sentence in a bubble under it (closed by another press, a press elsewhere or Escape).
 * Anything clickable is replaced by an inert button with the same label.
 */
export function DisabledWithReason({
  reason,
  label,
  variant,
  className,
  "aria-label": ariaLabel,
}: { reason: string; label: ReactNode } & Pick<ComponentProps<typeof Button>, "variant" | "className" | "aria-label">) {
  const id = useId();
  const [isShown, setShown] = useState(false);
  const wrapper = useRef<HTMLSpanElement>(null);
  const bubble = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!isShown) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!wrapper.current?.contains(event.target as Node)) setShown(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape") setShown(false);
    };
    document.addEventListener("pointerdown", onPointerDown);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [isShown]);
  // The bubble starts under the control's left edge; moved sideways to stay on a narrow screen.
  useLayoutEffect(() => {
    const element = bubble.current;
    if (!element) return;
    element.style.transform = "";
    if (!isShown) return;
    const { left, right } = element.getBoundingClientRect();
    const margin = 8;
    const overflow = right - (document.documentElement.clientWidth - margin);
    if (overflow > 0) element.style.transform = `translateX(-${Math.min(overflow, left - margin)}px)`;
  }, [isShown]);
  return (
    <span ref={wrapper} title={reason} className="relative inline-flex" data-permission-denied>
      <Button
        type="button"
        variant={variant}
        className={clsx(className, "cursor-not-allowed opacity-50")}
        aria-disabled="true"
        aria-label={ariaLabel}
        aria-describedby={id}
        onClick={() => setShown((shown) => !shown)}
      >
        {label}
      </Button>
      <span
        ref={bubble}
        id={id}
        className={
          isShown
            ? "absolute top-full left-0 z-30 mt-1.5 w-max max-w-[min(18rem,calc(100vw-1rem))] rounded-md bg-zinc-900 px-2.5 py-1.5 text-left text-xs font-normal text-white shadow-lg dark:bg-zinc-100 dark:text-zinc-900"
            : "sr-only"
        }
        data-testid={isShown ? "permission-reason" : undefined}
      >
        {reason}
      </span>
    </span>
  );
}

/**
 * A Button that follows the person's permissions: itself when allowed, disabled with the reason when not.
 * `blockedReason`: why the action cannot be taken on this thing whoever asks (e.g. an ended child agent),
 * shown the same way.
 */
export function GatedButton({
  permission,
  action,
  blockedReason,
  children,
  variant,
  className,
  ...props
}: ComponentProps<typeof Button> & Gate & { blockedReason?: string | null }) {
  const reason = usePermissions().whyNot(permission, action) ?? blockedReason ?? null;
  if (reason) {
    return <DisabledWithReason reason={reason} label={children} variant={variant} className={className} aria-label={props["aria-label"]} />;
  }
  return (
    <Button variant={variant} className={className} {...props}>
      {children}
    </Button>
  );
}

/**
 * Any control (a ButtonLink, a ConfirmButton, a small form) that follows the person's permissions:
 * `children` when allowed; otherwise `disabledLabel` as a disabled button with the reason, or, without
 * one, the reason as a short note (`quiet`: nothing at all, for controls repeated down a list).
 */
export function PermissionGate({
  permission,
  action,
  children,
  disabledLabel,
  variant = "outline",
  quiet = false,
  className,
}: Gate & {
  children: ReactNode;
  disabledLabel?: ReactNode;
  variant?: ComponentProps<typeof Button>["variant"];
  quiet?: boolean;
  className?: string;
}) {
  const permissions = usePermissions();
  const reason = permissions.whyNot(permission, action);
  if (!reason) return <>{children}</>;
  if (permissions.isLoading && disabledLabel === undefined) return null;
  if (disabledLabel !== undefined)
    return <DisabledWithReason reason={reason} label={disabledLabel} variant={variant} className={className} />;
  if (quiet) return null;
  return (
    <p className={clsx("text-sm text-zinc-600 dark:text-zinc-400", className)} data-testid="permission-note" data-permission={permission}>
      {reason}
    </p>
  );
}
