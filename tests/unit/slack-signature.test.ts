import { describe, expect, it } from "vitest";
import { isFreshSlackTimestamp, isSignedBySlack, slackSignature } from "~/server/approval-links/slack-signature";

// Slack's own worked example (api.slack.com, "Verifying requests from Slack").
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TIMESTAMP = "1531420618";
const BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar" +
  "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com" +
  "%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const EXPECTED = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

describe("Slack request signatures", () => {
  it("match Slack's documented example", () => {
    expect(slackSignature(SECRET, TIMESTAMP, BODY)).toBe(EXPECTED);
  });

  it("verify with any of the team's secrets, and not with a changed body, timestamp or secret", () => {
    const signed = { timestamp: TIMESTAMP, rawBody: BODY, signature: EXPECTED };
    expect(isSignedBySlack({ ...signed, secrets: ["other", SECRET] })).toBe(true);
    expect(isSignedBySlack({ ...signed, secrets: [] })).toBe(false);
    expect(isSignedBySlack({ ...signed, secrets: [`${SECRET}x`] })).toBe(false);
    expect(isSignedBySlack({ ...signed, secrets: [SECRET], rawBody: `${BODY}&x=1` })).toBe(false);
    expect(isSignedBySlack({ ...signed, secrets: [SECRET], timestamp: "1531420619" })).toBe(false);
    expect(isSignedBySlack({ ...signed, secrets: [SECRET], signature: EXPECTED.slice(0, -1) })).toBe(false);
  });

  it("accept a timestamp within 5 minutes either way, nothing else", () => {
    const now = new Date(1531420618 * 1000);
    expect(isFreshSlackTimestamp("1531420618", now)).toBe(true);
    expect(isFreshSlackTimestamp(String(1531420618 - 300), now)).toBe(true);
    expect(isFreshSlackTimestamp(String(1531420618 - 301), now)).toBe(false);
    expect(isFreshSlackTimestamp(String(1531420618 + 301), now)).toBe(false);
    for (const bad of [null, "", "1531420618.5", "-1", "abc", "1e9"]) expect(isFreshSlackTimestamp(bad, now)).toBe(false);
  });
});
