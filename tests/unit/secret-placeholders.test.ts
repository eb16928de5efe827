import { describe, expect, it } from "vitest";
import { secretRedactor, substituteSecrets, substituteSecretsDeep, UnknownSecretError } from "~/server/team-secrets/placeholders";

const secrets = new Map([
  ["TOKEN", "abc123&x=y"],
  ["LONG_TOKEN", "abc123&x=y-and-more"],
]);

describe("{{secret:NAME}} placeholders", () => {
  it("are substituted, URL-encoded where asked, in every string of a JSON value but not its keys", () => {
    expect(substituteSecrets("Bearer {{secret:TOKEN}}", secrets)).toBe("Bearer abc123&x=y");
    expect(substituteSecrets("?k={{secret:TOKEN}}", secrets, encodeURIComponent)).toBe("?k=abc123%26x%3Dy");
    expect(substituteSecretsDeep({ "{{secret:TOKEN}}": ["{{secret:LONG_TOKEN}}", 1, null] }, secrets)).toEqual({
      "{{secret:TOKEN}}": ["abc123&x=y-and-more", 1, null],
    });
  });

  it("name an unknown secret and the team's secrets", () => {
    expect(() => substituteSecrets("{{secret:NOPE}}", secrets)).toThrow(UnknownSecretError);
    expect(() => substituteSecrets("{{secret:NOPE}}", secrets)).toThrow(
      'There is no team secret named "NOPE". This team\'s secrets are: LONG_TOKEN, TOKEN.',
    );
    expect(() => substituteSecrets("{{secret:X}}", new Map())).toThrow("This team has no secrets yet");
  });
});

describe("secretRedactor", () => {
  it("replaces every value, as sent and URL-encoded, the longer first, in strings and keys", () => {
    const redact = secretRedactor(secrets);
    expect(
      redact({
        echoed: "got abc123&x=y-and-more and abc123&x=y",
        url: "/p?k=abc123%26x%3Dy",
        list: ["abc123&x=y"],
        "abc123&x=y": 3,
        n: 5,
      }),
    ).toEqual({
      echoed: "got [secret:LONG_TOKEN] and [secret:TOKEN]",
      url: "/p?k=[secret:TOKEN]",
      list: ["[secret:TOKEN]"],
      "[secret:TOKEN]": 3,
      n: 5,
    });
    expect(secretRedactor(new Map())("unchanged")).toBe("unchanged");
  });
});
