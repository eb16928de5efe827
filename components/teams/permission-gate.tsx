"use client";

import { clsx } from "clsx";
import { useId, type ComponentProps, type ReactNode } from "react";
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
 * A control the person may not use, written once: shown disabled, its reason on hover (`title` on a
 * wrapper, since a disabled button gets no pointer events) and for screen readers (aria-describedby
 * a visually hidden sentence). Anything clickable is replaced by an inert button with the same label.
 */
function DisabledWithReason({
  reason,
  label,
  variant,
  className,
  "aria-label": ariaLabel,
}: { reason: string; label: ReactNode } & Pick<ComponentProps<typeof Button>, "variant" | "className" | "aria-label">) {
  const id = useId();
  return (
    <span title={reason} className="inline-flex" data-permission-denied>
      <Button
        type="button"
        variant={variant}
        className={clsx(className, "opacity-50")}
        disabled
        aria-label={ariaLabel}
        aria-describedby={id}
      >
        {label}
      </Button>
      <span id={id} className="sr-only">
        {reason}
      </span>
    </span>
  );
}

/** A Button that follows the person's permissions: itself when allowed, disabled with the reason when not. */
export function GatedButton({ permission, action, children, variant, className, ...props }: ComponentProps<typeof Button> & Gate) {
  const reason = usePermissions().whyNot(permission, action);
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
