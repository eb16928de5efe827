"use client";

import { clsx } from "clsx";
import { useState, type ReactNode } from "react";
import { Button } from "./button";

const TONES = {
  /** Something that cannot be undone by the same person: removing, leaving. */
  danger: "bg-red-50 text-red-900 ring-red-200 dark:bg-red-950 dark:text-red-100 dark:ring-red-900",
  /** A change with a lasting consequence that is not a loss: transferring ownership. */
  warning: "bg-amber-50 text-amber-950 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-900",
} as const;

/**
 * The "are you sure?" strip (red, or amber for `warning`): the question, a danger button that does it and Cancel. Controlled:
 * the caller decides when it shows (e.g. under a list row whose Remove button opened it).
 */
export function ConfirmPrompt({
  label,
  question,
  confirmLabel,
  isLoading,
  tone = "danger",
  onConfirm,
  onCancel,
}: {
  tone?: keyof typeof TONES;
  /** The group's accessible name ("Confirm leaving"). */
  label: string;
  question: ReactNode;
  confirmLabel: string;
  isLoading?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <div
      role="group"
      aria-label={label}
      className={clsx("flex flex-wrap items-center gap-2 rounded-md px-3 py-2 text-sm ring-1", TONES[tone])}
    >
      <span className="min-w-0 grow basis-56">{question}</span>
      <Button type="button" variant="danger" className="py-1.5" isLoading={isLoading} onClick={onConfirm}>
        {confirmLabel}
      </Button>
      <Button type="button" variant="secondary" className="py-1.5" onClick={onCancel}>
        Cancel
      </Button>
    </div>
  );
}

/**
 * A button whose action needs a second click: the first shows the confirmation in its place (with
 * `question`, the red ConfirmPrompt strip; without, a danger button and a way back beside it).
 */
export function ConfirmButton({
  children,
  confirmLabel,
  cancelLabel = "Cancel",
  question,
  label,
  variant = "ghost",
  className,
  disabled,
  isLoading,
  onConfirm,
  "aria-describedby": describedBy,
}: {
  /** The first button's text ("Forget…"). */
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  question?: ReactNode;
  /** The confirmation group's accessible name, with `question`. */
  label?: string;
  variant?: "secondary" | "ghost" | "danger";
  className?: string;
  disabled?: boolean;
  isLoading?: boolean;
  onConfirm: () => void;
  "aria-describedby"?: string;
}) {
  const [isConfirming, setConfirming] = useState(false);
  if (!isConfirming) {
    return (
      <Button
        type="button"
        variant={variant}
        className={className}
        disabled={disabled}
        aria-describedby={describedBy}
        onClick={() => setConfirming(true)}
      >
        {children}
      </Button>
    );
  }
  if (question !== undefined) {
    return (
      <ConfirmPrompt
        label={label ?? confirmLabel}
        question={question}
        confirmLabel={confirmLabel}
        isLoading={isLoading}
        onConfirm={onConfirm}
        onCancel={() => setConfirming(false)}
      />
    );
  }
  return (
    <>
      <Button type="button" variant="danger" onClick={onConfirm} isLoading={isLoading}>
        {confirmLabel}
      </Button>
      <Button type="button" variant="ghost" onClick={() => setConfirming(false)}>
        {cancelLabel}
      </Button>
    </>
  );
}
