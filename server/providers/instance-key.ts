import "server-only";
/**
 * Where the instance's own API key (OPENAI_API_KEY) may be sent. A provider without a key of its own
 * used to get it whatever its base URL, so a team admin could point a provider at a server they run
 * and read the key from its requests. Kept apart from providers.ts (no database) so that model.ts can
 * word its error without loading the database client.
 */

/** The instance's own key (OPENAI_API_KEY) and the hosts besides the official endpoint it may be sent to (OPENAI_API_KEY_HOSTS). */
export type InstanceKey = { key: string | undefined; hosts: readonly string[] };

const OFFICIAL_HOST = "api.openai.com";

/**
 * Whether the instance key may go to a provider's base URL: to the official endpoint (no base URL, or
 * https://api.openai.com) and to hosts the operator listed, never to wherever a team admin points a provider.
 */
export function mayReceiveInstanceKey(baseUrl: string | null, hosts: readonly string[]): boolean {
  if (!baseUrl) return true;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return false;
  }
  const host = unbracketed(url.hostname);
  if (url.protocol === "https:" && host === OFFICIAL_HOST) return true;
  return hosts.some((listed) => unbracketed(listed) === host);
}

const unbracketed = (host: string) => (host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host);

/** What a model or embeddings endpoint that refused a call without a key is told (the instance key was withheld). */
export function instanceKeyWithheldMessage(baseURL: string | undefined): string {
  const host = baseURL ? (URL.canParse(baseURL) ? new URL(baseURL).hostname : baseURL) : OFFICIAL_HOST;
  return (
    `This provider has no API key of its own, and the instance key (OPENAI_API_KEY) is only sent to ${OFFICIAL_HOST} ` +
    `and the hosts in OPENAI_API_KEY_HOSTS, not to ${host}. Give the provider a key of its own (provider.rotateKey), ` +
    `or an operator can add ${host} to OPENAI_API_KEY_HOSTS.`
  );
}
