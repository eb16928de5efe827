import { AuditLog } from "~/components/audit/audit-log";
import { openLinkedRow } from "~/server/auth/linked-page";

export const metadata = { title: "Audit log" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** `/audit?entry=<id>`: a link to an audit entry of another of the reader's teams switches to that team first. */
export default async function AuditPage({ searchParams }: Props) {
  const params = await searchParams;
  if (typeof params.entry === "string") await openLinkedRow({ kind: "auditEntry", id: params.entry, path: "/audit", searchParams: params });
  return <AuditLog />;
}
