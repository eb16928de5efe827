// `pg` exports its lib/ modules (package.json "exports": "./lib/*") but @types/pg does not describe this one.
declare module "pg/lib/utils" {
  /** The text `pg` sends for a parameter value (arrays as array literals, objects as JSON, null as null). */
  export function prepareValue(value: unknown): string | Buffer | null;
}
