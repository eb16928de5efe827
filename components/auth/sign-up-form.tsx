"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { z } from "zod";
import { invitationIdFromNextPath, safeNextPath } from "~/shared/next-path";
import { checkPassword, loadPasswordEstimator } from "~/shared/password-policy";
import { Button } from "../ui/button";
import { Alert } from "../ui/alert";
import { Field, Input } from "../ui/field";
import { authClient } from "./auth-client";
import { PasswordStrengthHint } from "./password-strength";
import { SignInInstead } from "./sign-in-instead";

type Errors = Partial<Record<"name" | "email" | "password" | "form", string>>;
type Values = { name: string; email: string; password: string };

const emailSchema = z.email();

async function validate({ name, email, password }: Values): Promise<Errors> {
  const errors: Errors = {};
  if (name.trim() === "") errors.name = "Enter your name.";
  if (!emailSchema.safeParse(email.trim()).success) errors.email = "Enter an email address like you@example.com.";
  const { problem } = await checkPassword(password, { email, name });
  if (problem) errors.password = problem;
  return errors;
}

/** The sign-up form; the page (app/(auth)/sign-up) shows it only while this instance takes new accounts. */
export function SignUpForm({ note, invitedEmailHint }: { note: string | null; invitedEmailHint: string | null }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const params = useSearchParams();
  const [values, setValues] = useState<Values>({ name: "", email: "", password: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [isSubmitting, setSubmitting] = useState(false);
  const next = params.get("next");

  function update(field: keyof Values, value: string) {
    setValues((current) => ({ ...current, [field]: value }));
    // A message about the old value would be wrong about the new one.
    if (errors[field]) setErrors((current) => ({ ...current, [field]: undefined }));
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitting(true);
    const email = values.email.trim();
    const found = await validate({ ...values, email });
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setSubmitting(false);
      return;
    }
    // An invitation link lets its holder in where sign-up is otherwise closed (server/auth/sign-up.ts).
    // Not a user field, so better-auth's client types do not list it; its sign-up body accepts extra keys.
    const body = { name: values.name.trim(), email, password: values.password, invitationId: invitationIdFromNextPath(next) ?? undefined };
    const { error } = await authClient.signUp.email(body);
    setSubmitting(false);
    if (error) {
      if (error.code === "USER_ALREADY_EXISTS" || error.code === "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL") {
        setErrors({ email: "An account with this email already exists. Sign in instead, or use another email." });
      } else if (error.code === "WEAK_PASSWORD" || error.code === "PASSWORD_TOO_SHORT" || error.code === "PASSWORD_TOO_LONG") {
        setErrors({ password: error.message ?? "Choose a stronger password." });
      } else if (error.code === "INVALID_EMAIL" || error.code === "SIGN_UP_WRONG_INVITED_EMAIL") {
        setErrors({ email: error.code === "INVALID_EMAIL" ? "Enter an email address like you@example.com." : error.message });
      } else if (error.status === 429) {
        setErrors({ form: "Too many attempts. Wait a minute and try again." });
      } else {
        setErrors({ form: error.message ?? "Could not create the account. Try again." });
      }
      return;
    }
    // Whatever was cached belonged to the signed-out visitor (or someone else): read it all again.
    queryClient.clear();
    router.push(safeNextPath(next));
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5" aria-label="Create your account">
      {errors.form ? <Alert variant="inline">{errors.form}</Alert> : null}
      {note ? <p className="text-sm text-zinc-600 dark:text-zinc-400">{note}</p> : null}
      <Field id="name" label="Name" error={errors.name}>
        <Input
          id="name"
          name="name"
          autoComplete="name"
          value={values.name}
          onChange={(e) => update("name", e.target.value)}
          invalid={!!errors.name}
        />
      </Field>
      <Field
        id="email"
        label="Email"
        hint={invitedEmailHint ? `The address the invitation was sent to (${invitedEmailHint}).` : undefined}
        error={errors.email}
      >
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          value={values.email}
          onChange={(e) => update("email", e.target.value)}
          invalid={!!errors.email}
        />
      </Field>
      <Field
        id="password"
        label="Password"
        hint={<PasswordStrengthHint password={values.password} email={values.email} name={values.name} />}
        error={errors.password}
      >
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={values.password}
          onFocus={() => void loadPasswordEstimator()}
          onChange={(e) => update("password", e.target.value)}
          invalid={!!errors.password}
        />
      </Field>
      <Button type="submit" className="w-full" isLoading={isSubmitting}>
        Create account
      </Button>
      <SignInInstead next={next} />
    </form>
  );
}
