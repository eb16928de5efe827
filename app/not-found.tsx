import { NotFoundMessage } from "~/components/layout/not-found-message";

export const metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <main id="content" className="flex min-h-screen items-center justify-center px-4">
      <NotFoundMessage withLogo />
    </main>
  );
}
