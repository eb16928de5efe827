import { GeistMono } from "geist/font/mono";
import { GeistSans } from "geist/font/sans";
import type { Metadata } from "next";
import { connection } from "next/server";
import { NuqsAdapter } from "nuqs/adapters/next/app";
import { Toaster } from "sonner";
import { TRPCReactProvider } from "~/components/trpc/react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Longhaul", template: "%s · Longhaul" },
  description: "Agents that run for days, on infrastructure you own.",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Rendered per request, never prerendered: each page's scripts carry the nonce of its own
  // Content-Security-Policy (proxy.ts), which a page built ahead of time could not know.
  await connection();
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body className="min-h-screen font-sans">
        {/* Page state that survives a reload (tabs, filters, the open cycle) lives in the URL, through nuqs. */}
        <NuqsAdapter>
          <TRPCReactProvider>{children}</TRPCReactProvider>
        </NuqsAdapter>
        {/* Toasts confirm actions; they are announced politely to screen readers (aria-live). */}
        <Toaster theme="system" richColors closeButton position="bottom-right" />
      </body>
    </html>
  );
}
