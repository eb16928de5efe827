/**
 * `?switched=1` on a page means a link (/go/<team id>/..., or a link to a row of another of the reader's
 * teams) has just switched the active team: the app shell says so once, then drops the parameter.
 */
export const TEAM_SWITCHED_PARAM = "switched";
