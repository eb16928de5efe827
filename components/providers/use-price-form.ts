"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { modelPriceInputSchema } from "~/shared/provider-kinds";
import { zodFieldErrors } from "~/shared/validation";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { formatPrice } from "../ui/format";
import { readPrice } from "./describe";

export type PriceRow = { model: string; inputPerMillion: number; outputPerMillion: number };
export type PriceFormValues = { model: string; inputPerMillion: string; outputPerMillion: string };
type PriceField = keyof PriceFormValues;

const shown = (perMillion: number) => String(perMillion);

/**
 * Setting one model's price on a provider (provider.setPrice): the values as typed, the instance's
 * known price prefilled when the model is one it knows (or the team's own when it has one), the
 * schema's messages before sending and the server's after. "Mark free" sends both prices as zero.
 */
export function usePriceForm({
  providerId,
  providerName,
  own,
  instance,
  initialModel,
  onDone,
}: {
  providerId: string;
  providerName: string;
  own: PriceRow[];
  instance: PriceRow[];
  initialModel: string;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const knownPrice = (model: string) => own.find((p) => p.model === model) ?? instance.find((p) => p.model === model) ?? null;
  const [values, setValues] = useState<PriceFormValues>(() => {
    const known = knownPrice(initialModel);
    return {
      model: initialModel,
      inputPerMillion: known ? shown(known.inputPerMillion) : "",
      outputPerMillion: known ? shown(known.outputPerMillion) : "",
    };
  });
  // Prices typed by hand are kept when the model changes; untouched ones follow the model.
  const [pricesTyped, setPricesTyped] = useState(false);
  const [clientErrors, setClientErrors] = useState<Record<string, string[]>>({});
  const [editedSinceSave, setEditedSinceSave] = useState<ReadonlySet<string>>(new Set());

  const save = useMutation(
    trpc.provider.setPrice.mutationOptions({
      onSuccess: async (list, input) => {
        queryClient.setQueryData(trpc.provider.prices.queryKey({ id: providerId }), list);
        const free = input.inputPerMillion === 0 && input.outputPerMillion === 0;
        toast.success(
          free
            ? `${input.model} is free on ${providerName}.`
            : `${input.model} on ${providerName} now costs ${formatPrice(input.inputPerMillion)} in / ${formatPrice(input.outputPerMillion)} out per million tokens.`,
        );
        await queryClient.invalidateQueries({ queryKey: trpc.provider.prices.queryKey({ id: providerId }) });
        onDone();
      },
    }),
  );
  const serverErrors = readFieldErrors(save.error);
  const errorFor = (field: PriceField) =>
    clientErrors[field]?.[0] ?? (editedSinceSave.has(field) ? null : serverErrors[field]?.[0]) ?? null;

  const forget = (...fields: PriceField[]) => {
    setClientErrors((errors) => Object.fromEntries(Object.entries(errors).filter(([key]) => !fields.includes(key as PriceField))));
    setEditedSinceSave((before) => new Set([...before, ...fields]));
  };

  function setModel(model: string) {
    if (pricesTyped) setValues((v) => ({ ...v, model }));
    else {
      // Untouched prices follow the model: its known price, or nothing to keep a price of another model from staying.
      const known = knownPrice(model.trim());
      setValues({
        model,
        inputPerMillion: known ? shown(known.inputPerMillion) : "",
        outputPerMillion: known ? shown(known.outputPerMillion) : "",
      });
    }
    forget("model");
  }

  function setPrice(field: "inputPerMillion" | "outputPerMillion", text: string) {
    setValues((v) => ({ ...v, [field]: text }));
    setPricesTyped(true);
    forget(field);
  }

  function send(input: { model: string; inputPerMillion: number; outputPerMillion: number }) {
    save.reset();
    setEditedSinceSave(new Set());
    const parsed = modelPriceInputSchema.safeParse(input);
    if (!parsed.success) {
      setClientErrors(zodFieldErrors(parsed.error).fieldErrors);
      return;
    }
    setClientErrors({});
    save.mutate({ id: providerId, ...parsed.data });
  }

  return {
    values,
    setModel,
    setPrice,
    errorFor,
    /** The instance's own price for the model typed, to say what the default would be. */
    instanceDefault: instance.find((p) => p.model === values.model.trim()) ?? null,
    /** A message from the server that belongs to no field. */
    formError: save.error && Object.keys(serverErrors).length === 0 ? save.error.message : null,
    isSaving: save.isPending,
    onSubmit: (event: FormEvent) => {
      event.preventDefault();
      send({
        model: values.model,
        inputPerMillion: readPrice(values.inputPerMillion),
        outputPerMillion: readPrice(values.outputPerMillion),
      });
    },
    markFree: () => send({ model: values.model, inputPerMillion: 0, outputPerMillion: 0 }),
  };
}
export type PriceForm = ReturnType<typeof usePriceForm>;
