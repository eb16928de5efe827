import { Suspense } from "react";
import { SignInForm } from "~/components/auth/sign-in-form";

export const metadata = { title: "Sign in" };

export default function SignInPage() {
  return (
    <>
      <h1 className="mb-6 text-lg font-semibold">Sign in</h1>
      <Suspense>
        <SignInForm />
      </Suspense>
    </>
  );
}
