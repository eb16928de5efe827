import { handlePublicApi } from "~/server/api/v1/handler";

/** The public API (server/api/v1): a team API token, then the route's procedure. */
export const dynamic = "force-dynamic";

export { handlePublicApi as GET, handlePublicApi as POST, handlePublicApi as PUT, handlePublicApi as PATCH, handlePublicApi as DELETE };
