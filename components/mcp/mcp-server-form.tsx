"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { mcpServerInputSchema, type McpTransport } from "~/shared/mcp-servers";
import { zodFieldErrors } from "~/shared/validation";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Input, Select, Textarea } from "../ui/field";

const TRANSPORTS: { id: McpTransport; label: string; hint: string }[] = [
  { id: "http", label: "Streamable HTTP", hint: "A remote server's URL, often ending in /mcp; an older HTTP+SSE server is detected." },
  { id: "sse", label: "HTTP+SSE (older servers)", hint: "The server's SSE URL, often ending in /sse." },
  { id: "stdio", label: "Local command (stdio)", hint: "Runs a program on this host; only if an operator set LONGHAUL_MCP_STDIO=on." },
];

type Values = {
  transport: McpTransport;
  name: string;
  url: string;
  headerName: string;
  headerValue: string;
  command: string;
  args: string;
  env: string;
  callCostUsd: string;
  callTimeoutSeconds: string;
};
const EMPTY: Values = {
  transport: "http",
  name: "",
  url: "",
  headerName: "Authorization",
  headerValue: "",
  command: "",
  args: "",
  env: "",
  callCostUsd: "",
  callTimeoutSeconds: "120",
};

const lines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");

/**
 * What the form sends: a header only when a value was typed; arguments one per line; variables NAME=value
 * per line; the price and time limit of a call as typed (the schema explains a bad one).
 */
function inputOf(values: Values) {
  const call = { callCostUsd: values.callCostUsd, callTimeoutSeconds: values.callTimeoutSeconds };
  if (values.transport === "stdio") {
    const env = lines(values.env).map((line) => {
      const at = line.indexOf("=");
      return at < 0 ? { name: line, value: "" } : { name: line.slice(0, at), value: line.slice(at + 1) };
    });
    return { transport: values.transport, name: values.name, command: values.command, args: lines(values.args), env, ...call };
  }
  const headers = values.headerValue !== "" ? [{ name: values.headerName, value: values.headerValue }] : [];
  return { transport: values.transport, name: values.name, url: values.url, headers, ...call };
}

/** Adding a server; a field's message is the first one for it or any of its rows ("headers.0.name"). */
export function McpServerForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(EMPTY);
  const [clientErrors, setClientErrors] = useState<Record<string, string[]>>({});
  const create = useMutation(
    trpc.mcp.create.mutationOptions({
      onSuccess: async (created) => {
        toast.success(`Added ${created.name}. Refresh it to list its tools.`);
        await queryClient.invalidateQueries({ queryKey: trpc.mcp.list.queryKey() });
        onDone();
      },
    }),
  );
  const serverErrors = readFieldErrors(create.error);
  const errorFor = (field: string) => {
    const all = { ...serverErrors, ...clientErrors };
    const key = Object.keys(all).find((k) => k === field || k.startsWith(`${field}.`));
    return key ? (all[key]?.[0] ?? null) : null;
  };
  const set = (key: keyof Values, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    setClientErrors({});
  };
  const isLocal = values.transport === "stdio";
  const transport = TRANSPORTS.find((t) => t.id === values.transport)!;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    create.reset();
    const parsed = mcpServerInputSchema.safeParse(inputOf(values));
    if (!parsed.success) {
      setClientErrors(zodFieldErrors(parsed.error).fieldErrors);
      return;
    }
    create.mutate(parsed.data);
  }

  return (
    <form noValidate onSubmit={onSubmit} className="space-y-5" aria-label="Add an MCP server">
      {create.error && Object.keys(serverErrors).length === 0 ? <Alert variant="inline">{create.error.message}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="mcp-transport" label="How to reach it" error={errorFor("transport")} hint={transport.hint}>
          <Select
            id="mcp-transport"
            value={values.transport}
            invalid={!!errorFor("transport")}
            onChange={(e) => set("transport", e.target.value)}
          >
            {TRANSPORTS.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          id="mcp-name"
          label="Name"
          error={errorFor("name")}
          hint="How this page names it; its tools are shown to models as mcp_<name>_<tool>."
        >
          <Input id="mcp-name" value={values.name} invalid={!!errorFor("name")} onChange={(e) => set("name", e.target.value)} />
        </Field>
        {isLocal ? (
          <>
            <Field id="mcp-command" label="Command" error={errorFor("command")} hint="The program to run, e.g. npx.">
              <Input
                id="mcp-command"
                autoComplete="off"
                spellCheck={false}
                value={values.command}
                invalid={!!errorFor("command")}
                onChange={(e) => set("command", e.target.value)}
              />
            </Field>
            <Field
              id="mcp-args"
              label="Arguments"
              error={errorFor("args")}
              hint="One per line, e.g. -y, @modelcontextprotocol/server-filesystem, /srv/data."
            >
              <Textarea
                id="mcp-args"
                rows={3}
                spellCheck={false}
                value={values.args}
                invalid={!!errorFor("args")}
                onChange={(e) => set("args", e.target.value)}
              />
            </Field>
            <Field
              id="mcp-env"
              label="Environment"
              error={errorFor("env")}
              hint="NAME=value, one per line; stored encrypted. The process gets only these (and PATH, HOME)."
            >
              <Textarea
                id="mcp-env"
                rows={3}
                spellCheck={false}
                value={values.env}
                invalid={!!errorFor("env")}
                onChange={(e) => set("env", e.target.value)}
              />
            </Field>
          </>
        ) : (
          <>
            <Field id="mcp-url" label="URL" error={errorFor("url")} hint="Private addresses need LONGHAUL_PRIVATE_TOOL_HOSTS.">
              <Input
                id="mcp-url"
                type="url"
                inputMode="url"
                autoComplete="off"
                spellCheck={false}
                placeholder="https://mcp.example.com/mcp"
                value={values.url}
                invalid={!!errorFor("url")}
                onChange={(e) => set("url", e.target.value)}
              />
            </Field>
            <Field id="mcp-header-name" label="Header" error={errorFor("headers")} hint="E.g. Authorization with the value Bearer <token>.">
              <Input
                id="mcp-header-name"
                autoComplete="off"
                spellCheck={false}
                value={values.headerName}
                onChange={(e) => set("headerName", e.target.value)}
              />
            </Field>
            <Field id="mcp-header-value" label="Header value" hint="Optional; stored encrypted and never shown again.">
              <Input
                id="mcp-header-value"
                type="password"
                autoComplete="off"
                value={values.headerValue}
                onChange={(e) => set("headerValue", e.target.value)}
              />
            </Field>
          </>
        )}
        <Field
          id="mcp-call-cost"
          label="Price per call (USD)"
          error={errorFor("callCostUsd")}
          hint="Optional: what one call of any of its tools costs, counted against an agent's budget. Empty: free."
        >
          <Input
            id="mcp-call-cost"
            inputMode="decimal"
            autoComplete="off"
            placeholder="0.01"
            value={values.callCostUsd}
            invalid={!!errorFor("callCostUsd")}
            onChange={(e) => set("callCostUsd", e.target.value)}
          />
        </Field>
        <Field
          id="mcp-call-timeout"
          label="Time limit per call (seconds)"
          error={errorFor("callTimeoutSeconds")}
          hint="How long one call of its tools may take before it is given up: 1 to 3,600 seconds."
        >
          <Input
            id="mcp-call-timeout"
            inputMode="numeric"
            autoComplete="off"
            value={values.callTimeoutSeconds}
            invalid={!!errorFor("callTimeoutSeconds")}
            onChange={(e) => set("callTimeoutSeconds", e.target.value)}
          />
        </Field>
      </div>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" isLoading={create.isPending}>
          Add MCP server
        </Button>
        <Button type="button" variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
