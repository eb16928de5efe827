export function AuthShell({ children }: { children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <div className="mb-8 text-center">
        <p className="text-2xl font-bold tracking-tight">
          <span className="text-brand-600 dark:text-brand-400">Long</span>haul
        </p>
        <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">Agents that run for days, on infrastructure you own.</p>
      </div>
      <div className="w-full max-w-sm rounded-xl bg-white p-6 shadow-sm ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800">
        {children}
      </div>
    </main>
  );
}
