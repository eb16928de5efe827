/**
 * Password rules shared by the sign-up form (instant feedback) and the server (the rule that counts).
 * Returns the first problem as a sentence that says what to change, or null when the password is fine.
 */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

const COMMON_PASSWORDS = new Set([
  "password123",
  "password1234",
  "1234567890",
  "qwertyuiop",
  "letmein123",
  "iloveyou123",
  "admin12345",
  "welcome123",
  "passw0rd123",
  "abc1234567",
]);

export function checkPasswordStrength(password: string, email?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${password.length}).`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  }
  if (!/[a-zA-Z]/.test(password) || !/[0-9\W_]/.test(password)) {
    return "Mix letters with at least one digit or symbol.";
  }
  if (COMMON_PASSWORDS.has(password.toLowerCase()) || /^(.)\1+$/.test(password)) {
    return "This password is too easy to guess; choose another.";
  }
  const localPart = email?.split("@")[0]?.toLowerCase();
  if (localPart && localPart.length >= 4 && password.toLowerCase().includes(localPart)) {
    return "Do not use your email address in your password.";
  }
  return null;
}
