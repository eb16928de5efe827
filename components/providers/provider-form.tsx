"use client";

import { PROVIDER_KINDS, type ProviderKindId } from "~/shared/provider-kinds";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Input, Select } from "../ui/field";
import type { Provider } from "./describe";
import { useProviderForm, type ProviderForm } from "./use-provider-form";

/** Adding a provider (provider = null) or changing one; the key of a saved provider is replaced apart (KeyControls). */
export function ProviderFormFields({ provider, onDone }: { provider: Provider | null; onDone: () => void }) {
  const form = useProviderForm({ provider, onDone });
  const { values, kind, set, errorFor } = form;
  const idPrefix = provider ? `provider-${provider.id}` : "provider-new";
  const id = (field: string) => `${idPrefix}-${field}`;
  return (
    <form noValidate onSubmit={form.onSubmit} className="space-y-5" aria-label={provider ? `Edit ${provider.name}` : "Add a provider"}>
      {form.formError ? <Alert variant="inline">{form.formError}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id={id("kind")} label="Kind" error={errorFor("kind")} hint={kind.hint}>
          <Select
            id={id("kind")}
            name="kind"
            value={values.kind}
            invalid={!!errorFor("kind")}
            onChange={(e) => form.setKind(e.target.value as ProviderKindId)}
          >
            {PROVIDER_KINDS.map((k) => (
              <option key={k.id} value={k.id}>
                {k.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field id={id("name")} label="Name" error={errorFor("name")} hint="How agents and this page name it.">
          <Input
            id={id("name")}
            name="name"
            value={values.name}
            invalid={!!errorFor("name")}
            onChange={(e) => set("name", e.target.value)}
          />
        </Field>
        <Field
          id={id("baseUrl")}
          label="Base URL"
          error={errorFor("baseUrl")}
          hint={`${values.kind === "openai" ? "Leave empty for api.openai.com." : "The address that ends before /chat/completions."}${provider ? " A new address clears the last test." : ""}`}
        >
          <Input
            id={id("baseUrl")}
            name="baseUrl"
            type="url"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            placeholder={kind.baseUrl || "https://api.openai.com/v1"}
            value={values.baseUrl}
            invalid={!!errorFor("baseUrl")}
            onChange={(e) => set("baseUrl", e.target.value)}
          />
        </Field>
        {provider ? null : (
          <Field
            id={id("apiKey")}
            label="API key"
            error={errorFor("apiKey")}
            hint={`${kind.needsKey ? "Needed for this kind." : "Optional for this kind."} Stored encrypted; only its last four characters are shown again.`}
          >
            <Input
              id={id("apiKey")}
              name="apiKey"
              type="password"
              autoComplete="off"
              value={values.apiKey}
              invalid={!!errorFor("apiKey")}
              onChange={(e) => set("apiKey", e.target.value)}
            />
          </Field>
        )}
        <Field
          id={id("timeoutSeconds")}
          label="Timeout (seconds)"
          error={errorFor("timeoutSeconds")}
          hint="How long one model call may take, 1 to 600."
        >
          <Input
            id={id("timeoutSeconds")}
            name="timeoutSeconds"
            inputMode="numeric"
            value={values.timeoutSeconds}
            invalid={!!errorFor("timeoutSeconds")}
            onChange={(e) => set("timeoutSeconds", e.target.value)}
          />
        </Field>
      </div>
      <HeaderRows form={form} provider={provider} idPrefix={idPrefix} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" isLoading={form.isSaving}>
          {provider ? "Save changes" : "Add provider"}
        </Button>
        <Button type="button" variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function HeaderRows({ form, provider, idPrefix }: { form: ProviderForm; provider: Provider | null; idPrefix: string }) {
  const { values, errorFor } = form;
  const current = provider?.headerNames ?? [];
  const listError = errorFor("headers");
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Extra headers</legend>
      <p className="text-xs text-zinc-500 dark:text-zinc-400" id={`${idPrefix}-headers-hint`}>
        {provider
          ? current.length > 0
            ? `Now set: ${current.join(", ")} (values hidden). Headers entered here replace all of them; leave the rows empty to keep them.`
            : "None set. Values are stored encrypted and never shown again."
          : "Sent with every request, e.g. an attribution header. Values are stored encrypted and never shown again."}
      </p>
      {values.headers.map((row, index) => {
        const nameError = errorFor(`headers.${index}.name`);
        const valueError = errorFor(`headers.${index}.value`);
        return (
          <div key={index} className="space-y-1" data-testid="header-row">
            <div className="flex flex-wrap items-center gap-2">
              <Input
                aria-label={`Header ${index + 1} name`}
                invalid={!!nameError}
                placeholder="X-Title"
                autoComplete="off"
                spellCheck={false}
                value={row.name}
                onChange={(e) => form.setHeader(index, { name: e.target.value })}
                className="min-w-0 flex-1 basis-40 py-1.5"
              />
              <Input
                aria-label={`Header ${index + 1} value`}
                invalid={!!valueError}
                placeholder="Value"
                autoComplete="off"
                spellCheck={false}
                value={row.value}
                onChange={(e) => form.setHeader(index, { value: e.target.value })}
                className="min-w-0 flex-1 basis-40 py-1.5"
              />
              <Button type="button" variant="ghost" className="px-2 py-1.5" onClick={() => form.removeHeader(index)}>
                Remove<span className="sr-only"> header {index + 1}</span>
              </Button>
            </div>
            {nameError || valueError ? (
              <p role="alert" className="text-sm text-red-600 dark:text-red-400" data-field-error={`headers.${index}`}>
                {nameError ?? valueError}
              </p>
            ) : null}
          </div>
        );
      })}
      {listError ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {listError}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <Button type="button" variant="secondary" className="py-1.5" onClick={form.addHeader}>
          Add header
        </Button>
        {provider && current.length > 0 && values.headers.length === 0 ? (
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={values.removeHeaders}
              onChange={(e) => form.set("removeHeaders", e.target.checked)}
              className="accent-brand-600 size-4"
            />
            Remove the current headers
          </label>
        ) : null}
      </div>
    </fieldset>
  );
}
