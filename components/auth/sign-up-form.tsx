"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { z } from "zod";
import { checkPasswordStrength } from "~/server/auth/password-policy";
import { Button } from "../ui/button";
import { Field, FormAlert, Input } from "../ui/field";
import { authClient, formText, safeNext, withNext } from "./auth-client";

type Errors = Partial<Record<"name" | "email" | "password" | "form", string>>;

const emailSchema = z.email();

function validate(name: string, email: string, password: string): Errors {
  const errors: Errors = {};
  if (name.trim() === "") errors.name = "Enter your name.";
  if (!emailSchema.safeParse(email.trim()).success) errors.email = "Enter an email address like you@example.com.";
  const problem = checkPasswordStrength(password, email);
  if (problem) errors.password = problem;
  return errors;
}

export function SignUpForm() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const params = useSearchParams();
  const [errors, setErrors] = useState<Errors>({});
  const [isSubmitting, setSubmitting] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = formText(form, "name");
    const email = formText(form, "email").trim();
    const password = formText(form, "password");
    const found = validate(name, email, password);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setSubmitting(true);
    const { error } = await authClient.signUp.email({ name: name.trim(), email, password });
    setSubmitting(false);
    if (error) {
      if (error.code === "USER_ALREADY_EXISTS" || error.code === "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL") {
        setErrors({ email: "An account with this email already exists. Sign in instead, or use another email." });
      } else if (error.code === "WEAK_PASSWORD" || error.code === "PASSWORD_TOO_SHORT" || error.code === "PASSWORD_TOO_LONG") {
        setErrors({ password: error.message ?? "Choose a stronger password." });
      } else if (error.code === "INVALID_EMAIL") {
        setErrors({ email: "Enter an email address like you@example.com." });
      } else if (error.status === 429) {
        setErrors({ form: "Too many attempts. Wait a minute and try again." });
      } else {
        setErrors({ form: error.message ?? "Could not create the account. Try again." });
      }
      return;
    }
    // Whatever was cached belonged to the signed-out visitor (or someone else): read it all again.
    queryClient.clear();
    router.push(safeNext(params.get("next")));
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5" aria-label="Create your account">
      {errors.form ? <FormAlert>{errors.form}</FormAlert> : null}
      <Field id="name" label="Name" error={errors.name}>
        <Input id="name" name="name" autoComplete="name" invalid={!!errors.name} />
      </Field>
      <Field id="email" label="Email" error={errors.email}>
        <Input id="email" name="email" type="email" autoComplete="email" invalid={!!errors.email} />
      </Field>
      <Field id="password" label="Password" hint="At least 10 characters, with a digit or a symbol." error={errors.password}>
        <Input id="password" name="password" type="password" autoComplete="new-password" invalid={!!errors.password} />
      </Field>
      <Button type="submit" className="w-full" isLoading={isSubmitting}>
        Create account
      </Button>
      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        Already have an account?{" "}
        <Link href={withNext("/sign-in", params.get("next"))} className="text-brand-600 font-semibold hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}
