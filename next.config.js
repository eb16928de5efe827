/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // Workspace packages ship TypeScript sources (server/env.ts checks cron strings with @longhaul/executor/cron).
  transpilePackages: ["@longhaul/executor"],
  poweredByHeader: false,
  // Server-only packages with native or wasm parts stay out of the bundle.
  // prom-client and OpenTelemetry (metrics, traces) load at run time as under tsx: one copy of the
  // OTel API for the app and the SDK, no bundling of their optional requires.
  serverExternalPackages: [
    "pino",
    "pg",
    "@prisma/client",
    "@prisma/adapter-pg",
    "@electric-sql/pglite",
    "prom-client",
    "@opentelemetry/api",
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/sdk-trace-base",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
  ],
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
