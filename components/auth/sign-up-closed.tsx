import { SignInInstead } from "./sign-in-instead";

/** The sign-up page when this instance takes no new accounts: says so, and how to get in, before anyone types. */
export function SignUpClosed({ message, next }: { message: string; next: string | null }) {
  return (
    <div className="space-y-5" data-testid="sign-up-closed">
      <div
        role="status"
        className="space-y-1 rounded-md bg-amber-50 px-3 py-2.5 text-sm text-amber-950 ring-1 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-900"
      >
        <p className="font-semibold">Sign-up is by invitation</p>
        <p>{message}</p>
      </div>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        An invitation link opens a page where you can create your account with the invited address.
      </p>
      <SignInInstead next={next} />
    </div>
  );
}
