"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "../ui/button";
import { authClient } from "./auth-client";

export function SignOutButton() {
  const router = useRouter();
  const [isLoading, setLoading] = useState(false);
  return (
    <Button
      variant="ghost"
      isLoading={isLoading}
      onClick={async () => {
        setLoading(true);
        await authClient.signOut();
        router.push("/sign-in");
        router.refresh();
      }}
    >
      Sign out
    </Button>
  );
}
