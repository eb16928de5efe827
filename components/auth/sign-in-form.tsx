"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { Button } from "../ui/button";
import { Alert } from "../ui/alert";
import { Field, Input } from "../ui/field";
import { safeNextPath, withNextPath } from "~/shared/next-path";
import { authClient, formText } from "./auth-client";

type Errors = Partial<Record<"email" | "password" | "form", string>>;

export function SignInForm({ isSignUpOpen }: { isSignUpOpen: boolean }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const params = useSearchParams();
  const [errors, setErrors] = useState<Errors>({});
  const [isSubmitting, setSubmitting] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = formText(form, "email").trim();
    const password = formText(form, "password");
    const found: Errors = {};
    if (email === "") found.email = "Enter your email address.";
    if (password === "") found.password = "Enter your password.";
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setSubmitting(true);
    const { error } = await authClient.signIn.email({ email, password });
    setSubmitting(false);
    if (error) {
      setErrors({
        form:
          error.status === 429
            ? "Too many sign-in attempts. Wait a minute and try again."
            : error.code === "INVALID_EMAIL_OR_PASSWORD" || error.status === 401
              ? "That email and password do not match an account."
              : (error.message ?? "Could not sign in. Try again."),
      });
      return;
    }
    // Whatever was cached belonged to the signed-out visitor (or someone else): read it all again.
    queryClient.clear();
    router.push(safeNextPath(params.get("next")));
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5" aria-label="Sign in">
      {errors.form ? <Alert variant="inline">{errors.form}</Alert> : null}
      <Field id="email" label="Email" error={errors.email}>
        <Input id="email" name="email" type="email" autoComplete="email" invalid={!!errors.email} />
      </Field>
      <Field id="password" label="Password" error={errors.password}>
        <Input id="password" name="password" type="password" autoComplete="current-password" invalid={!!errors.password} />
      </Field>
      <Button type="submit" className="w-full" isLoading={isSubmitting}>
        Sign in
      </Button>
      {isSignUpOpen ? (
        <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
          New here?{" "}
          <Link
            href={withNextPath("/sign-up", params.get("next"))}
            className="text-brand-600 dark:text-brand-400 font-semibold hover:underline"
          >
            Create an account
          </Link>
        </p>
      ) : (
        <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">New here? Accounts on this instance are by invitation.</p>
      )}
    </form>
  );
}
