import "server-only";
import type { Permission } from "../../shared/roles";
import { createTRPCContext, requireTeamPermission } from "./trpc";
import { AppError } from "../errors";
import { readBodyUpTo } from "../http/body";

/** The signed-in caller and their active team (whose role there holds `permission`), from a route handler's request. */
export async function callerOf(headers: Headers, permission: Permission) {
  const ctx = await createTRPCContext({ headers });
  if (!ctx.user) throw new AppError("UNAUTHORIZED", "Sign in to continue.");
  const team = await requireTeamPermission({ activeTeamId: ctx.activeTeamId, userId: ctx.user.id }, permission);
  return { user: ctx.user, team };
}

/** The request body as text, refusing more than `maxBytes` (declared or actually sent) with a clear message. */
export async function readBodyLimited(req: Request, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new AppError("PAYLOAD_TOO_LARGE", `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB. Nothing was imported.`);
  const body = await readBodyUpTo(req, maxBytes);
  if (!body) throw tooLarge();
  const text = new TextDecoder("utf-8", { fatal: false }).decode(body);
  return text;
}
