import nextVitals from "eslint-config-next/core-web-vitals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      ".next/**",
      "node_modules/**",
      "server/db/generated/**",
      ".data/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
      // dependency-cruiser's configuration, plain CommonJS outside the TypeScript project.
      ".dependency-cruiser.cjs",
    ],
  },
  ...nextVitals,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // Interface implementations (adapters, hooks) are async by contract even when they do not await.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/ban-ts-comment": ["error", { "ts-ignore": true, "ts-expect-error": "allow-with-description" }],
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through server/env.ts (the one env schema)." },
      ],
    },
  },
  {
    // Every outbound request a user can aim (model and embedding endpoints, tools, later MCP and channels)
    // goes through the outbound guard (docs/decisions/019). The executor calls the app's own configured URL.
    files: ["server/**", "inngest/**"],
    // app-server.ts is the app's inbound HTTP server; run-status.ts asks the Inngest server the operator
    // configured (as the inngest SDK itself does). (The executor, packages/executor, calls the app's own configured URL.)
    ignores: ["server/security/outbound.ts", "server/http/app-server.ts", "server/runs/run-status.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        {
          name: "fetch",
          message: "Use the outbound guard: outboundGuard(purpose).fetch (server/security/outbound.ts), or a tool's context.fetch.",
        },
      ],
      "no-restricted-imports": [
        "error",
        {
          paths: ["undici", "node:http", "node:https", "http", "https"].map((name) => ({
            name,
            message: "Outbound requests go through server/security/outbound.ts (the outbound guard).",
          })),
        },
      ],
    },
  },
  {
    // A raw query's rows are checked against the columns its statement declares (docs/decisions/029):
    // rows/row/maybeRow in server/db/rows.ts run it, never `$queryRaw` with a hand-declared result type.
    files: ["server/**", "inngest/**", "scripts/**"],
    ignores: ["server/db/rows.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...["CallExpression[callee.property.name=/^\\$queryRaw/]", "TaggedTemplateExpression[tag.property.name=/^\\$queryRaw/]"].map(
          (selector) => ({
            selector,
            message:
              "Run raw queries through rows/row/maybeRow (server/db/rows.ts) with a sqlRow that declares the columns; results are checked, not cast.",
          }),
        ),
      ],
    },
  },
  {
    // Start-up scripts, configs and tests prepare the environment before the schema reads it.
    files: [
      "scripts/**",
      "bench/**",
      "tests/**",
      "*.config.*",
      "server/env.ts",
      // The executor runs as its own process with its own small schema (packages/executor/src/config.ts).
      "packages/executor/src/config.ts",
      "packages/executor/src/testing.ts",
      "packages/executor/tests/**",
      "instrumentation.ts",
      "components/trpc/react.tsx",
    ],
    rules: { "no-restricted-properties": "off" },
  },
  {
    // Vitest's asymmetric matchers (expect.stringContaining, expect.any, ...) are typed `any`.
    files: ["tests/**", "packages/*/tests/**"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
  {
    // typescript-eslint's project service sees inngest's createFunction handler context as `any`
    // (tsc infers it fully and type-checks these files); the unsafe-* rules only add noise here.
    files: ["tests/contract/**", "packages/executor/tests/contract/**"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
