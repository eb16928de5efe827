"use client";

import { useState } from "react";
import { SuccessBox } from "../ui/alert";
import { Button } from "../ui/button";
import { CopyableValue } from "../ui/field";
import type { CreatedToken } from "./create-token-form";

/** A request a script makes with the token: the public API under the app's configured URL (from the server, APP_URL). */
function curlExample(apiUrl: string, token: string) {
  return [`curl '${new URL("agents", apiUrl).toString()}' \\`, `  -H 'Authorization: Bearer ${token}'`].join("\n");
}

/** The token just created, shown this once: copy it, or an example request that uses it. */
export function NewTokenBox({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  const [copied, setCopied] = useState<"token" | "curl" | "failed" | null>(null);
  const { token, apiToken, apiUrl } = created;
  const example = curlExample(apiUrl, token);

  async function copy(text: string, what: "token" | "curl") {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(what);
    } catch {
      setCopied("failed");
    }
  }

  return (
    <SuccessBox
      data-testid="new-api-token"
      title={
        <>
          Token &ldquo;{apiToken.name}&rdquo; created. Copy it now: you will not see it again. Only its first characters are kept to
          recognise it.
        </>
      }
    >
      <div className="flex flex-col gap-2 sm:flex-row">
        <CopyableValue
          value={token}
          aria-label="New API token"
          className="bg-white py-2 dark:bg-zinc-900"
          data-testid="new-api-token-value"
        />
        <div className="flex shrink-0 gap-2">
          <Button type="button" variant="secondary" className="whitespace-nowrap" onClick={() => copy(token, "token")}>
            {copied === "token" ? "Copied" : "Copy token"}
          </Button>
          <Button type="button" variant="ghost" onClick={onDone}>
            Done
          </Button>
        </div>
      </div>
      <p className="text-xs text-zinc-700 dark:text-zinc-300">Send it as a bearer token, e.g. from a shell:</p>
      <pre className="overflow-x-auto rounded-md bg-zinc-900 p-3 text-xs text-zinc-100" data-testid="new-api-token-curl">
        {example}
      </pre>
      <Button type="button" variant="secondary" onClick={() => copy(example, "curl")}>
        {copied === "curl" ? "Copied" : "Copy example"}
      </Button>
      {copied === "failed" ? (
        <p className="text-xs text-zinc-700 dark:text-zinc-300" role="alert">
          The browser did not allow copying: select the text and copy it yourself.
        </p>
      ) : null}
    </SuccessBox>
  );
}
