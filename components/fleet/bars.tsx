import Link from "next/link";
import { EmptyState } from "../ui/empty-state";

type Item = { key: string; label: string; value: number; text: string; href?: string };

/** Labelled horizontal bars scaled to the largest value: a list screen readers read as "label: amount". */
export function BarList({ label, items, empty }: { label: string; items: Item[]; empty: string }) {
  if (items.length === 0) return <EmptyState title={empty} />;
  const max = Math.max(...items.map((i) => i.value), Number.EPSILON);
  return (
    <ul aria-label={label} className="space-y-1.5 text-sm">
      {items.map((item) => (
        <li key={item.key}>
          <div className="flex items-baseline justify-between gap-2">
            {item.href ? (
              <Link href={item.href} className="truncate underline-offset-2 hover:underline">
                {item.label}
              </Link>
            ) : (
              <span className="truncate">{item.label}</span>
            )}
            <span className="shrink-0 tabular-nums">{item.text}</span>
          </div>
          <div className="mt-0.5 h-1.5 rounded bg-zinc-100 dark:bg-zinc-800" aria-hidden>
            <div className="bg-brand-600 h-full rounded" style={{ width: `${Math.max(1, (item.value / max) * 100)}%` }} />
          </div>
        </li>
      ))}
    </ul>
  );
}

/** Cycles per hour as columns, failures stacked in red; a table for screen readers. */
export function HourBars({ hours }: { hours: { hour: Date; cycles: number; failed: number }[] }) {
  if (hours.length === 0) return <EmptyState title="No cycles in the last 24 hours." />;
  const max = Math.max(...hours.map((h) => h.cycles + h.failed), 1);
  const time = (d: Date) => d.toLocaleTimeString("en-US", { hour: "numeric" });
  return (
    <>
      <div className="flex h-28 items-end gap-1" aria-hidden>
        {hours.map((h) => (
          <div
            key={h.hour.toISOString()}
            className="flex h-full flex-1 flex-col justify-end"
            title={`${time(h.hour)}: ${h.cycles} cycles, ${h.failed} failed`}
          >
            <div className="rounded-t bg-red-500" style={{ height: `${(h.failed / max) * 100}%` }} />
            <div className="bg-brand-600 rounded-t" style={{ height: `${(Math.max(0, h.cycles - h.failed) / max) * 100}%` }} />
          </div>
        ))}
      </div>
      <table className="sr-only">
        <caption>Cycles per hour, the last 24 hours</caption>
        <thead>
          <tr>
            <th scope="col">Hour</th>
            <th scope="col">Cycles</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {hours.map((h) => (
            <tr key={h.hour.toISOString()}>
              <td>{time(h.hour)}</td>
              <td>{h.cycles}</td>
              <td>{h.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
