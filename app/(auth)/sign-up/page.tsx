import { Suspense } from "react";
import { SignUpClosed } from "~/components/auth/sign-up-closed";
import { SignUpForm } from "~/components/auth/sign-up-form";
import { invitationIdFromNextPath } from "~/shared/next-path";
import { getSignUpAvailability } from "~/server/auth/sign-up";
import { env } from "~/server/env";

export const metadata = { title: "Create your account" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  const nextPath = typeof next === "string" ? next : null;
  const availability = await getSignUpAvailability({ policy: env.LONGHAUL_SIGNUP, invitationId: invitationIdFromNextPath(nextPath) });
  return (
    <>
      <h1 className="mb-6 text-lg font-semibold">Create your account</h1>
      {availability.isOpen ? (
        <Suspense>
          <SignUpForm note={availability.note} invitedEmailHint={availability.invitedEmailHint} />
        </Suspense>
      ) : (
        <SignUpClosed message={availability.message} next={nextPath} />
      )}
    </>
  );
}
