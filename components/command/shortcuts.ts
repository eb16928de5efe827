/** Where "g" then a letter goes (the keyboard layer acts on them, the help on `?` lists them). */
export const GO_TO: Record<string, { path: string; label: string }> = {
  a: { path: "/agents", label: "Agents" },
  o: { path: "/overview", label: "Overview" },
  i: { path: "/approvals", label: "Approvals (inbox)" },
  t: { path: "/team", label: "Team" },
  l: { path: "/audit", label: "Audit log" },
};
