import { Suspense } from "react";
import { SignInForm } from "~/components/auth/sign-in-form";
import { invitationIdFromNextPath } from "~/shared/next-path";
import { getSignUpAvailability } from "~/server/auth/sign-up";
import { env } from "~/server/env";

export const metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  const availability = await getSignUpAvailability({
    policy: env.LONGHAUL_SIGNUP,
    invitationId: invitationIdFromNextPath(typeof next === "string" ? next : null),
  });
  return (
    <>
      <h1 className="mb-6 text-lg font-semibold">Sign in</h1>
      <Suspense>
        <SignInForm isSignUpOpen={availability.isOpen} />
      </Suspense>
    </>
  );
}
