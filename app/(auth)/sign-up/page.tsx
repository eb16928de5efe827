import { Suspense } from "react";
import { SignUpForm } from "~/components/auth/sign-up-form";

export const metadata = { title: "Create your account" };

export default function SignUpPage() {
  return (
    <>
      <h1 className="mb-6 text-lg font-semibold">Create your account</h1>
      <Suspense>
        <SignUpForm />
      </Suspense>
    </>
  );
}
