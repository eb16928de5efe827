/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Server-only packages with native or wasm parts stay out of the bundle.
  serverExternalPackages: ["pino", "pg", "@prisma/client", "@prisma/adapter-pg", "@electric-sql/pglite"],
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
