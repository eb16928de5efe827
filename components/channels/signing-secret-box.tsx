"use client";

import { useState } from "react";
import { SuccessBox } from "../ui/alert";
import { Button } from "../ui/button";
import { CopyableValue } from "../ui/field";

/** How a receiver checks a request, in Node: the recipe the README documents. */
const VERIFY_EXAMPLE = `const [, t, mac] = req.headers["x-longhaul-signature"].match(/^t=(\\d+),sha256=([0-9a-f]{64})$/);
const expected = crypto.createHmac("sha256", SECRET)
  .update(\`\${t}.\${req.headers["x-longhaul-delivery"]}.\`).update(rawBody).digest();
const isValid = crypto.timingSafeEqual(expected, Buffer.from(mac, "hex"))
  && Math.abs(Date.now() / 1000 - Number(t)) < 300;`;

/** An outgoing webhook's signing secret, shown this once, with a copy button and how to check a signature with it. */
export function SigningSecretBox({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  }
  return (
    <SuccessBox
      data-testid="channel-signing-secret"
      title={<>Signing secret of &ldquo;{name}&rdquo;. Copy it now into your receiver: you will not see it again.</>}
    >
      <div className="flex flex-col gap-2 sm:flex-row">
        <CopyableValue
          value={secret}
          aria-label="Signing secret"
          className="bg-white py-2 dark:bg-zinc-900"
          data-testid="channel-signing-secret-value"
        />
        <div className="flex shrink-0 gap-2">
          <Button type="button" variant="secondary" onClick={copy}>
            {copied === "yes" ? "Copied" : "Copy secret"}
          </Button>
          <Button type="button" variant="ghost" onClick={onDone}>
            Done
          </Button>
        </div>
      </div>
      {copied === "failed" ? (
        <p className="text-xs text-zinc-700 dark:text-zinc-300" role="alert">
          The browser did not allow copying: select the text and copy it yourself.
        </p>
      ) : null}
      <p className="text-xs text-zinc-700 dark:text-zinc-300">
        Every request carries <code className="font-mono">X-Longhaul-Signature: t=&lt;unix seconds&gt;,sha256=&lt;hex&gt;</code>, an
        HMAC-SHA256 of <code className="font-mono">&lt;t&gt;.&lt;X-Longhaul-Delivery&gt;.&lt;raw body&gt;</code> with this secret. Check it
        on the raw body before parsing, and ignore a repeated <code className="font-mono">Idempotency-Key</code>:
      </p>
      <pre className="overflow-x-auto rounded-md bg-zinc-900 p-3 text-xs text-zinc-100">{VERIFY_EXAMPLE}</pre>
    </SuccessBox>
  );
}
