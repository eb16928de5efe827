import { describe, expect, it } from "vitest";
import { cut, CUT_NOTE, slackBody, teamsBody } from "~/server/channels/formats";
import { briefAnswer, classifyResponse, parseRetryAfter } from "~/server/channels/senders";
import { messageIdFor } from "~/server/channels/email";
import { channelInputSchema } from "~/shared/channel-settings";

describe("channel formats", () => {
  it("cuts long text with a visible note, short labels with an ellipsis, and never splits an emoji", () => {
    expect(cut("short", 10)).toBe("short");
    const long = cut("x".repeat(5000), 3000);
    expect(long).toHaveLength(3000);
    expect(long.endsWith(CUT_NOTE)).toBe(true);
    expect(cut("Approve the refund", 10)).toBe("Approve t…");
    expect(cut("ab😀cd", 4)).toBe("ab…");
  });

  it("Slack: escapes markup so an agent's text cannot mention @channel; falls back to text", () => {
    const body = slackBody({ title: "T", text: "<!channel> & <@U1>" }, { isInteractive: false });
    expect(JSON.stringify(body.blocks)).toContain("&lt;!channel&gt; &amp; &lt;@U1&gt;");
    expect(body.text).toBe("T\n<!channel> & <@U1>");
  });

  it("Teams: the dashboard link is the last button", () => {
    const body = teamsBody({ title: "T", text: "x", url: "https://app.example/a" });
    expect(body.attachments[0]!.content.actions.at(-1)).toEqual({
      type: "Action.OpenUrl",
      title: "Open in Longhaul",
      url: "https://app.example/a",
    });
  });
});

describe("channel outcomes", () => {
  it("reads Retry-After as seconds or a date, capped at 15 minutes", () => {
    const now = Date.parse("2026-12-07T00:00:00Z");
    expect(parseRetryAfter("12", now)).toBe(12_000);
    expect(parseRetryAfter("Mon, 07 Dec 2026 00:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("99999", now)).toBe(15 * 60_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("says what the receiver said, briefly", () => {
    expect(briefAnswer('{"error":{"message":"channel_not_found"}}')).toBe("channel_not_found");
    expect(briefAnswer("<html><body><h1>Forbidden</h1>\n<p>no</p></body></html>")).toBe("Forbidden no");
    expect(briefAnswer("y".repeat(500))).toHaveLength(200);
  });

  it("classifies statuses", () => {
    const headers = new Headers();
    expect(classifyResponse(204, "", headers, "", 5).outcome).toBe("delivered");
    expect(classifyResponse(408, "", headers, "", 5).outcome).toBe("retry");
    expect(classifyResponse(425, "", headers, "", 5).outcome).toBe("retry");
    expect(classifyResponse(503, "", headers, "", 5)).toMatchObject({
      outcome: "retry",
      error: "The receiver answered 503 Service Unavailable.",
    });
    expect(classifyResponse(404, "", headers, "no_service", 5)).toMatchObject({
      outcome: "failed",
      error: "The receiver answered 404 Not Found: no_service",
    });
  });

  it("makes a Message-ID from the idempotency key, hashing what a Message-ID cannot hold", () => {
    expect(messageIdFor("chan.msg-1")).toBe("<chan.msg-1@longhaul>");
    expect(messageIdFor("chan:msg 1")).toMatch(/^<[0-9a-f]{40}@longhaul>$/);
    expect(messageIdFor("chan:msg 1")).toBe(messageIdFor("chan:msg 1"));
  });
});

describe("channel form", () => {
  it("asks for each kind's own fields and refuses another kind's", () => {
    const result = channelInputSchema.safeParse({ kind: "webhook", name: "W", host: "smtp.example.com" });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages).toContain("host: A webhook channel has no host setting.");
    expect(messages).toContain("url: Enter the URL. The https URL of your receiver; Longhaul signs every request.");
    expect(channelInputSchema.parse({ kind: "discord", name: "D", url: "https://discord.com/api/webhooks/1/x" })).toMatchObject({
      ratePerMinute: 30,
      isEnabled: true,
    });
  });
});
