/** Where "g" then a letter goes (the keyboard layer acts on them, the help on `?` lists them). */
export const GO_TO: Record<string, { path: string; label: string }> = {
  a: { path: "/agents", label: "Agents" },
  o: { path: "/overview", label: "Overview" },
  y: { path: "/activity", label: "Activity (every cycle and run)" },
  i: { path: "/approvals", label: "Approvals (inbox)" },
  t: { path: "/team", label: "Team" },
  l: { path: "/audit", label: "Audit log" },
};
