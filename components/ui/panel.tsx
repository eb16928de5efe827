import { clsx } from "clsx";
import { useId, type ReactNode } from "react";

/** The white card every panel sits on. */
export const CARD = "rounded-xl bg-white p-4 ring-1 ring-zinc-200 sm:p-5 dark:bg-zinc-900 dark:ring-zinc-800";

type SectionProps = {
  /** The section's h2. */
  title: ReactNode;
  /** A sentence right under the title. */
  description?: ReactNode;
  /** Beside the title, on the right: a count, a refresh note, an action. */
  aside?: ReactNode;
  /** Spacing of the children (and any layout); the default stacks them with a little room. */
  className?: string;
  children: ReactNode;
  "data-testid"?: string;
};

function Heading({ id, title, description, aside }: { id: string; title: ReactNode; description?: ReactNode; aside?: ReactNode }) {
  const h2 = (
    <h2 id={id} className="text-lg font-semibold">
      {title}
    </h2>
  );
  const heading = description ? (
    <div>
      {h2}
      <p className="text-sm text-zinc-600 dark:text-zinc-400">{description}</p>
    </div>
  ) : (
    h2
  );
  if (aside === undefined) return heading;
  return (
    <div className="flex flex-wrap items-baseline justify-between gap-2">
      {heading}
      {aside}
    </div>
  );
}

/** A titled part of a page, labelled by its heading for screen readers. */
export function Section({ title, description, aside, className = "space-y-3", children, ...data }: SectionProps) {
  const id = useId();
  return (
    <section aria-labelledby={id} className={className} {...data}>
      <Heading id={id} title={title} description={description} aside={aside} />
      {children}
    </section>
  );
}

/** A Section on a white card. */
export function Panel({ title, description, aside, className = "space-y-4", children, ...data }: SectionProps) {
  const id = useId();
  return (
    <section aria-labelledby={id} className={clsx("min-w-0", CARD, className)} {...data}>
      <Heading id={id} title={title} description={description} aside={aside} />
      {children}
    </section>
  );
}
