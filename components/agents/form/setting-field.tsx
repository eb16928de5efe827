import type { InputHTMLAttributes, ReactNode } from "react";
import { Field, Input } from "../../ui/field";
import type { FormState } from "./form-state";
import type { AgentFormApi } from "./use-agent-form";

type InputProps = Pick<InputHTMLAttributes<HTMLInputElement>, "inputMode" | "placeholder" | "list" | "maxLength">;

/** A setting typed into a text input: labelled, its hint or error beside it, bound to `name` (id `agent-<name>`). */
export function SettingField({
  form,
  name,
  label,
  hint,
  ...input
}: { form: AgentFormApi; name: keyof FormState; label: string; hint?: ReactNode } & InputProps) {
  const props = form.text(name, input);
  return (
    <Field id={props.id} label={label} error={form.errorFor(name)} hint={hint}>
      <Input {...props} />
    </Field>
  );
}

/** A memory setting: state key `name`, its error at the schema's nested `path` (id `agent-memory-<name>`). */
export function MemorySettingField({
  form,
  name,
  path,
  label,
  hint,
}: {
  form: AgentFormApi;
  name: Parameters<AgentFormApi["memoryText"]>[0];
  path: string;
  label: string;
  hint?: ReactNode;
}) {
  const props = form.memoryText(name, path);
  return (
    <Field id={props.id} label={label} error={form.errorFor(path)} hint={hint}>
      <Input {...props} />
    </Field>
  );
}
