import type { ZxcvbnFactory } from "@zxcvbn-ts/core";

/**
 * The password rule, shared by the sign-up form (a hint as the person types) and the server (the
 * rule that counts: better-auth's hook, server/auth/auth.ts). Browser-safe: the strength estimator
 * (zxcvbn-ts with its English and common-password dictionaries, ~1.6 MB) is loaded on first use, so
 * the sign-up page does not carry it until someone types a password.
 *
 * A password must have MIN..MAX characters and a zxcvbn score of at least MIN_PASSWORD_SCORE (3:
 * about 10^8 guesses or more). No composition rules: "correct horse battery staple" is fine,
 * "Password2026!" is not. The person's e-mail address and name count as known words.
 *
 * zxcvbn's time grows steeply with length (128 random characters took 750 ms on the server), so it
 * scores the first ESTIMATED_LENGTH characters: enough for a five-word passphrase, at most a few
 * hundred milliseconds, and a sign-up cannot buy seconds of server time with one long password.
 */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;
export const MIN_PASSWORD_SCORE = 3;
const ESTIMATED_LENGTH = 40;

export type PasswordScore = 0 | 1 | 2 | 3 | 4;

export type PasswordCheck = {
  /** null when the password is acceptable; otherwise a sentence saying why it is not and what to change. */
  problem: string | null;
  /** zxcvbn's score, 0 (guessed at once) to 4 (very hard); 0 while the length is wrong. */
  score: PasswordScore;
  /** The estimator's warning and suggestions, in words (empty for a strong password). */
  feedback: string;
};

export const SCORE_LABELS: Record<PasswordScore, string> = {
  0: "Very weak",
  1: "Weak",
  2: "Fair",
  3: "Strong",
  4: "Very strong",
};

const APP_WORDS = ["longhaul", "long haul", "agents"];

let estimator: Promise<ZxcvbnFactory> | null = null;

/** Loads the estimator and its dictionaries once (a dynamic import: its own chunk in the browser). */
export function loadPasswordEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common"), import("@zxcvbn-ts/language-en")]).then(
    ([core, common, english]) =>
      new core.ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...english.dictionary },
        graphs: common.adjacencyGraphs,
        translations: {
          ...english.translations,
          warnings: { ...english.translations.warnings, userInputs: "It contains your name or e-mail address." },
        },
        maxLength: ESTIMATED_LENGTH,
      }),
  );
  return estimator;
}

/** Length only: instant, for the first keystrokes. */
export function checkPasswordLength(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${password.length}).`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  return null;
}

/** Words an attacker would try first for this person: the address, its parts, the name. */
function personalWords({ email, name }: { email?: string | null; name?: string | null }): string[] {
  const words: string[] = [...APP_WORDS];
  const address = email?.trim().toLowerCase();
  if (address) {
    const [local = "", domain = ""] = address.split("@");
    words.push(address, local, ...local.split(/[._+-]+/), domain.split(".")[0] ?? "");
  }
  if (name?.trim()) words.push(name.trim().toLowerCase(), ...name.trim().toLowerCase().split(/\s+/));
  return words.filter((word) => word.length >= 3);
}

function lowerFirst(sentence: string): string {
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

export async function checkPassword(
  password: string,
  person: { email?: string | null; name?: string | null } = {},
): Promise<PasswordCheck> {
  const lengthProblem = checkPasswordLength(password);
  if (lengthProblem) return { problem: lengthProblem, score: 0, feedback: "" };
  const result = (await loadPasswordEstimator()).check(password, personalWords(person));
  const feedback = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(" ");
  if (result.score >= MIN_PASSWORD_SCORE) return { problem: null, score: result.score, feedback };
  const why = result.feedback.warning ? `: ${lowerFirst(result.feedback.warning)}` : ".";
  const advice = result.feedback.suggestions.length > 0 ? result.feedback.suggestions.join(" ") : "Add more words that are less common.";
  return { problem: `This password is too easy to guess${why} ${advice}`, score: result.score, feedback };
}
