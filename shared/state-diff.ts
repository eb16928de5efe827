/** Comparing world states between checkpoints (pure: used by the browser and by tests). */
export type StateChange = { key: string; change: "added" | "removed" | "changed"; before?: unknown; after?: unknown };

/** Top-level keys added, removed or changed between two world states (values compared as JSON). */
export function diffWorldStates(before: unknown, after: unknown): StateChange[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const changes: StateChange[] = [];
  for (const key of keys) {
    if (!(key in a)) changes.push({ key, change: "added", after: b[key] });
    else if (!(key in b)) changes.push({ key, change: "removed", before: a[key] });
    else if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) changes.push({ key, change: "changed", before: a[key], after: b[key] });
  }
  return changes;
}
