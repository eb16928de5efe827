import Link from "next/link";
import { withNextPath } from "~/shared/next-path";

/** Under the sign-up page's content: the way to sign in instead, keeping where to go next. */
export function SignInInstead({ next }: { next: string | null }) {
  return (
    <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
      Already have an account?{" "}
      <Link href={withNextPath("/sign-in", next)} className="text-brand-600 dark:text-brand-400 font-semibold hover:underline">
        Sign in
      </Link>
    </p>
  );
}
