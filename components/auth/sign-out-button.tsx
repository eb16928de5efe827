"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "../ui/button";
import { authClient } from "./auth-client";

export function SignOutButton() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [isLoading, setLoading] = useState(false);
  return (
    <Button
      variant="ghost"
      isLoading={isLoading}
      onClick={async () => {
        setLoading(true);
        await authClient.signOut();
        // The next person to sign in on this browser must not see this one's cached teams and agents.
        queryClient.clear();
        router.push("/sign-in");
        router.refresh();
      }}
    >
      Sign out
    </Button>
  );
}
