"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import type { z } from "zod";
import { providerInputSchema, providerUpdateSchema, type ProviderKindId } from "~/shared/provider-kinds";
import { zodFieldErrors } from "~/shared/validation";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { kindOf, type Provider } from "./describe";

export type HeaderRow = { name: string; value: string };

export type ProviderFormValues = {
  kind: ProviderKindId;
  name: string;
  baseUrl: string;
  /** Create only: an edit replaces or removes the key on its own (provider.rotateKey). */
  apiKey: string;
  /** Values are write-only: on edit the rows start empty, and rows entered replace every header. */
  headers: HeaderRow[];
  /** Edit only: send an empty list, removing the headers the provider has. */
  removeHeaders: boolean;
  timeoutSeconds: string;
};

const rowsOf = (hints: Record<string, string> | undefined): HeaderRow[] =>
  Object.entries(hints ?? {}).map(([name, value]) => ({ name, value }));

function initialValues(provider: Provider | null): ProviderFormValues {
  if (!provider) {
    const kind = kindOf("openai");
    return {
      kind: "openai",
      name: kind.label,
      baseUrl: kind.baseUrl,
      apiKey: "",
      headers: [],
      removeHeaders: false,
      timeoutSeconds: "60",
    };
  }
  return {
    kind: kindOf(provider.kind).id as ProviderKindId,
    name: provider.name,
    baseUrl: provider.baseUrl ?? "",
    apiKey: "",
    headers: [],
    removeHeaders: false,
    timeoutSeconds: String(provider.timeoutSeconds),
  };
}

/** Rows with nothing typed in them are left out. */
const filledRows = (rows: HeaderRow[]) => rows.filter((row) => row.name.trim() !== "" || row.value !== "");
const seconds = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));

/**
 * The add / edit provider form: the values as typed, the kind presets, validation with the server's
 * schemas (shared/provider-kinds.ts) before sending, and the server's field messages after.
 */
export function useProviderForm({ provider, onDone }: { provider: Provider | null; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState(() => initialValues(provider));
  const [clientErrors, setClientErrors] = useState<Record<string, string[]>>({});
  // Fields changed since the server's answer: its message about them is out of date.
  const [editedSinceSave, setEditedSinceSave] = useState<ReadonlySet<string>>(new Set());
  const edited = (...fields: string[]) => setEditedSinceSave((before) => new Set([...before, ...fields]));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.provider.list.queryKey() });

  const create = useMutation(
    trpc.provider.create.mutationOptions({
      onSuccess: async (created) => {
        toast.success(`Added ${created.name}. Test its connection to see what it supports.`);
        await refresh();
        onDone();
      },
    }),
  );
  const update = useMutation(
    trpc.provider.update.mutationOptions({
      onSuccess: async (updated) => {
        toast.success(`Saved ${updated.name}.`);
        await refresh();
        onDone();
      },
    }),
  );
  const mutation = provider ? update : create;
  const serverErrors = readFieldErrors(mutation.error);
  const errorFor = (field: string) =>
    clientErrors[field]?.[0] ?? (editedSinceSave.has(field.split(".")[0]!) ? null : serverErrors[field]?.[0]) ?? null;

  const set = <K extends keyof ProviderFormValues>(key: K, value: ProviderFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setClientErrors(({ [key]: _edited, ...rest }) => rest);
    edited(key);
  };

  /** A preset fills what still holds the last preset's values (or nothing): the base URL, the name, the header hints. */
  function setKind(id: ProviderKindId) {
    setValues((v) => {
      const before = kindOf(v.kind);
      const next = kindOf(id);
      const untouchedHeaders =
        filledRows(v.headers).length === 0 || JSON.stringify(filledRows(v.headers)) === JSON.stringify(rowsOf(before.headerHints));
      return {
        ...v,
        kind: id,
        baseUrl: v.baseUrl === "" || v.baseUrl === before.baseUrl ? next.baseUrl : v.baseUrl,
        name: v.name === "" || v.name === before.label ? next.label : v.name,
        headers: !provider && untouchedHeaders ? rowsOf(next.headerHints) : v.headers,
      };
    });
    setClientErrors(({ kind: _k, baseUrl: _b, ...rest }) => rest);
    edited("kind", "baseUrl", "name", "headers");
  }

  const setHeader = (index: number, change: Partial<HeaderRow>) => {
    setValues((v) => ({ ...v, headers: v.headers.map((row, i) => (i === index ? { ...row, ...change } : row)) }));
    setClientErrors((errors) => Object.fromEntries(Object.entries(errors).filter(([k]) => !k.startsWith("headers"))));
    edited("headers");
  };
  const addHeader = () => setValues((v) => ({ ...v, headers: [...v.headers, { name: "", value: "" }], removeHeaders: false }));
  const removeHeader = (index: number) => setValues((v) => ({ ...v, headers: v.headers.filter((_, i) => i !== index) }));

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    mutation.reset();
    setEditedSinceSave(new Set());
    const rows = filledRows(values.headers);
    const common = {
      name: values.name,
      kind: values.kind,
      baseUrl: values.baseUrl,
      timeoutSeconds: seconds(values.timeoutSeconds),
    };
    const fail = (error: z.ZodError) => {
      setClientErrors(zodFieldErrors(error).fieldErrors);
      requestAnimationFrame(() => document.querySelector<HTMLElement>("form [aria-invalid='true']")?.focus());
    };
    setClientErrors({});
    if (provider) {
      const headers = rows.length > 0 ? rows : values.removeHeaders ? [] : undefined;
      const parsed = providerUpdateSchema.safeParse({ ...common, ...(headers ? { headers } : {}) });
      if (!parsed.success) return fail(parsed.error);
      update.mutate({ ...parsed.data, id: provider.id });
    } else {
      const parsed = providerInputSchema.safeParse({ ...common, apiKey: values.apiKey || undefined, headers: rows });
      if (!parsed.success) return fail(parsed.error);
      create.mutate(parsed.data);
    }
  }

  return {
    values,
    kind: kindOf(values.kind),
    set,
    setKind,
    setHeader,
    addHeader,
    removeHeader,
    errorFor,
    /** A message from the server that belongs to no field. */
    formError: mutation.error && Object.keys(serverErrors).length === 0 ? mutation.error.message : null,
    isSaving: mutation.isPending,
    onSubmit,
  };
}
export type ProviderForm = ReturnType<typeof useProviderForm>;
