"use client";

import { organizationClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";

/** A text field of a submitted form ("" when missing or a file). */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

/** Only same-site paths are followed after sign-in or sign-up, so ?next= cannot send people elsewhere. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/agents";
}

/** A link to sign-in or sign-up that keeps the ?next= it was opened with. */
export function withNext(path: string, next: string | null): string {
  return next && safeNext(next) === next ? `${path}?next=${encodeURIComponent(next)}` : path;
}

export const authClient = createAuthClient({ plugins: [organizationClient()] });
