"use client";

import { clsx } from "clsx";
import { useEffect, useState } from "react";
import {
  checkPassword,
  checkPasswordLength,
  MIN_PASSWORD_LENGTH,
  MIN_PASSWORD_SCORE,
  SCORE_LABELS,
  type PasswordCheck,
  type PasswordScore,
} from "~/shared/password-policy";

const BAR_COLORS = ["bg-red-500", "bg-red-500", "bg-amber-500", "bg-emerald-500", "bg-emerald-600"] as const satisfies Record<
  PasswordScore,
  string
>;

type Verdict = { password: string; check: PasswordCheck };

function describe(verdict: Verdict | null, password: string): { text: string; score: PasswordScore | null } {
  if (password === "")
    return { text: `At least ${MIN_PASSWORD_LENGTH} characters. A few uncommon words make a strong password.`, score: null };
  if (checkPasswordLength(password)) {
    const missing = MIN_PASSWORD_LENGTH - password.length;
    return missing > 0
      ? { text: `${missing} more character${missing === 1 ? "" : "s"} to go (at least ${MIN_PASSWORD_LENGTH}).`, score: 0 }
      : { text: checkPasswordLength(password)!, score: 0 };
  }
  // Until the estimator has answered for this very password, say so rather than show an old verdict.
  if (verdict?.password !== password) return { text: "Checking how easy it is to guess…", score: null };
  const { score, problem, feedback } = verdict.check;
  if (problem) return { text: `${SCORE_LABELS[score]}: ${problem.replace(/^This password is too easy to guess(: |\. )?/, "")}`, score };
  return { text: `${SCORE_LABELS[score]} password.${feedback ? ` ${feedback}` : ""}`, score };
}

/**
 * The password field's hint: a strength meter and, in words, why a password is weak (zxcvbn's
 * warning and suggestions), updated as the person types and read out politely by screen readers.
 * The estimator loads on first use (shared/password-policy.ts).
 */
export function PasswordStrengthHint({ password, email, name }: { password: string; email: string; name: string }) {
  const [verdict, setVerdict] = useState<Verdict | null>(null);

  useEffect(() => {
    if (checkPasswordLength(password)) return;
    let isCurrent = true;
    // A short pause so that fast typing checks once, not per keystroke.
    const timer = setTimeout(() => {
      void checkPassword(password, { email, name }).then((check) => {
        if (isCurrent) setVerdict({ password, check });
      });
    }, 150);
    return () => {
      isCurrent = false;
      clearTimeout(timer);
    };
  }, [password, email, name]);

  const { text, score } = describe(verdict, password);
  const isAcceptable = score !== null && score >= MIN_PASSWORD_SCORE;
  return (
    <>
      <span className="mb-1 flex gap-1" aria-hidden data-testid="password-meter" data-score={score ?? ""}>
        {[1, 2, 3, 4].map((bar) => (
          <span
            key={bar}
            className={clsx(
              "h-1 flex-1 rounded-full transition-colors motion-reduce:transition-none",
              score !== null && password !== "" && (score >= bar || bar === 1) ? BAR_COLORS[score] : "bg-zinc-200 dark:bg-zinc-700",
            )}
          />
        ))}
      </span>
      <span
        aria-live="polite"
        data-testid="password-strength"
        className={clsx("block", isAcceptable ? "text-emerald-700 dark:text-emerald-400" : undefined)}
      >
        {text}
      </span>
    </>
  );
}
