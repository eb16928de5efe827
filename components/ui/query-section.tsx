"use client";

import type { ReactNode } from "react";
import { Alert } from "./alert";
import { Button } from "./button";

/** The part of a TanStack Query result these read (tRPC's errors are not `Error`s, only `{ message }`). */
type QueryState<T> = {
  data: T | undefined;
  error: { message: string } | null;
  isPending: boolean;
  isError: boolean;
  isFetching: boolean;
  refetch: () => unknown;
};

/**
 * What every panel does around a TanStack Query result: a skeleton while the first answer is on its
 * way, an alert with "Try again" when there is no data because the query failed, and the data
 * otherwise. A failed refresh keeps the data on screen (show <RefreshError> beside the title).
 */
export function QuerySection<T>({
  query,
  what,
  loading,
  isEmpty,
  empty,
  children,
}: {
  query: QueryState<T>;
  /** Names what failed: "The runs" → "The runs could not be loaded: …". */
  what: string;
  /** The skeleton shown while loading. */
  loading: ReactNode;
  isEmpty?: (data: T) => boolean;
  /** Shown instead of children when `isEmpty` says so. */
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <>{loading}</>;
  if (query.data === undefined) return <LoadError what={what} query={query} />;
  if (isEmpty?.(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}

/** "The X could not be loaded: …" with a Try again button. */
export function LoadError({ what, query }: { what: string; query: Pick<QueryState<unknown>, "error" | "isFetching" | "refetch"> }) {
  return (
    <Alert>
      <p>
        {what} could not be loaded: {query.error?.message ?? "unknown error"}
      </p>
      <Button variant="secondary" className="mt-3" isLoading={query.isFetching} onClick={() => void query.refetch()}>
        Try again
      </Button>
    </Alert>
  );
}

/** Beside a panel's title: the data shown is from before a refresh that failed. */
export function RefreshError({ query }: { query: Pick<QueryState<unknown>, "data" | "error" | "isError"> }) {
  if (query.data === undefined || !query.isError) return null;
  return (
    <span className="text-xs text-amber-700 dark:text-amber-400" role="status">
      Could not refresh: {query.error?.message}
    </span>
  );
}
