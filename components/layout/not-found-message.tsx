import { ButtonLink } from "../ui/button";

/**
 * The 404 page's message, branded: inside the app shell for a signed-in page (app/(dashboard)/not-found.tsx),
 * and on its own for any other address (app/not-found.tsx, with the logo). A row of another team is a 404
 * too: it says as much, without telling whether it exists.
 */
export function NotFoundMessage({ withLogo = false }: { withLogo?: boolean }) {
  return (
    <div className="mx-auto max-w-lg py-12 text-center" data-testid="not-found">
      {withLogo ? (
        <p className="mb-8 text-2xl font-bold tracking-tight">
          <span className="text-brand-600 dark:text-brand-400">Long</span>haul
        </p>
      ) : null}
      <p className="text-brand-700 text-sm font-semibold dark:text-zinc-300">404</p>
      <h1 className="mt-2 text-2xl font-bold tracking-tight">This page was not found</h1>
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
        The address may be mistyped, or what it showed was deleted, or it belongs to a team you are not a member of. If a teammate sent it,
        ask them to invite you to their team.
      </p>
      <div className="mt-6 flex justify-center">
        <ButtonLink href="/agents">Go to your agents</ButtonLink>
      </div>
    </div>
  );
}
