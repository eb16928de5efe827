// @ts-check
/**
 * The import rules `npm run lint:deps` checks (docs/decisions/028-test-ci-and-import-rules.md):
 * no import cycles; nothing a client component bundles ("use client" files and everything they import)
 * comes from server/ — browser-safe schemas and constants live in shared/, which imports nothing of
 * server/ nor of Node. Type-only imports are not dependencies here (TypeScript erases them), so a client
 * component may still name the router's types. Old violations are listed in
 * .dependency-cruiser-known-violations.json (`npm run lint:deps:baseline` rewrites it); new ones fail.
 * File length (500 lines) is checked by scripts/check-file-length.ts.
 */
const fs = require("node:fs");
const path = require("node:path");

/** Files whose first statement is "use client", under app/ and components/. */
function clientFiles() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.tsx?$/.test(entry.name) && /^\s*(\/\/.*\n|\/\*[\s\S]*?\*\/\s*)*["']use client["']/.test(fs.readFileSync(file, "utf8")))
        found.push(file.split(path.sep).join("/"));
    }
  };
  for (const dir of ["app", "components"]) walk(path.join(__dirname, dir));
  return found.map((file) => path.relative(__dirname, file).split(path.sep).join("/"));
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const CLIENT_FILES = `^(${clientFiles().map(escape).join("|")})$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules import each other in a circle: one of them should not know the other.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-server-in-client",
      severity: "error",
      comment:
        "A client component (a 'use client' file, or anything it imports) reaches a server/ module: move what the browser needs to shared/.",
      from: { path: CLIENT_FILES },
      to: { path: "^server/", reachable: true },
    },
    {
      name: "shared-is-browser-safe",
      severity: "error",
      comment: "shared/ is bundled for the browser: it may not import server/ modules or Node built-ins.",
      from: { path: "^shared/" },
      to: { path: "^server/|^node:", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "shared-is-browser-safe-core",
      severity: "error",
      comment: "shared/ is bundled for the browser: it may not import Node built-ins.",
      from: { path: "^shared/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that does not resolve to a file or a package.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  required: [
    {
      name: "server-only-in-server",
      severity: "error",
      comment:
        'Every server/ module starts with import "server-only", so a browser bundle that reaches it fails to build. Scripts load server modules with Node\'s react-server condition (node --conditions=react-server, tsx --conditions=react-server).',
      module: { path: "^server/", pathNot: "^server/db/generated/|\\.d\\.ts$" },
      to: { path: "^node_modules/server-only/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(server/db/generated|\\.next|\\.data)/" },
    // The "~/*" path of tsconfig.json, with a baseUrl that keeps bare names (e.g. "inngest") on their packages.
    tsConfig: { fileName: "tsconfig.depcruise.json" },
    tsPreCompilationDeps: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
    reporterOptions: {
      dot: { collapsePattern: "^(node_modules/(@[^/]+/)?[^/]+|(app|components|server|shared|inngest|packages)/[^/]+)" },
    },
  },
};
