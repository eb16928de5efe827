import { describe, expect, it } from "vitest";
import { executorOptionsFromEnv } from "../../src/config";
import {
  canonicalJson,
  checkSignatureHeader,
  computeSignature,
  hashSigningKey,
  isValidSigningKey,
  signatureHeader,
} from "../../src/signing";

/*
 * A fixed vector from traffic captured between the inngest 4.24.0 SDK and Inngest
 * (a sample kept outside the repository, the first call of run
 * 6F117C1F849B4D9D99E02D8BF3). The capture does not print its signing key, but its register call's
 * `Authorization: Bearer signkey-test-9a2db2e2...` is SHA-256 of 32 bytes of 0xab, so the key is
 * signkey-test-abab...ab; 30 of the capture's 31 request signatures and its intact response
 * signatures verify with it.
 */
const SIGNING_KEY = `signkey-test-${"ab".repeat(32)}`;
const CAPTURED_BEARER = "signkey-test-9a2db2e23f1504cd056606553ac049c5e718e8f9ce9233876df1a7a1821af885";
const CAPTURED_EVENT = { data: { id: "r1", n: 5, user: "u1" }, id: "60E2967DF50B41829FE594429E", name: "agent/start", ts: 1795466777713 };
// In the order the executor builds a call body, not the canonical one.
const CAPTURED_BODY = {
  event: CAPTURED_EVENT,
  events: [CAPTURED_EVENT],
  steps: {},
  ctx: {
    run_id: "6F117C1F849B4D9D99E02D8BF3",
    attempt: 0,
    max_attempts: 3,
    disable_immediate_execution: false,
    use_api: false,
    stack: { stack: [], current: 0 },
    fn_id: "5376af23-9e40-483d-a642-c435e16444b6",
    qi_id: "6F117C1F849B4D9D99E02D8BF3:start",
  },
  version: -1,
};
const CAPTURED_REQUEST_SIGNATURE = "t=1795466777&s=008a5b7c423031a10c9677cc67bf8ed24bd43c93791a7a6b3555ebe747d98a91";
const CAPTURED_RESPONSE_TEXT =
  '[{"displayName":"par-a","op":"StepPlanned","id":"42094f9baaae4a7553fa8a331fcf663c2f2134b9","name":"par-a","opts":{},"userland":{"id":"par-a"},"data":null},' +
  '{"displayName":"par-b","op":"StepPlanned","id":"1f0f99d7e1dcab0c03d412de944ad0eaf9e4b243","name":"par-b","opts":{},"userland":{"id":"par-b"},"data":null}]';
const CAPTURED_RESPONSE_SIGNATURE = "t=1795466778&s=fad4f44bd391fcd1369717c9e5307397977fb4c0b58056d89418c84469cbb64f";
const CAPTURED_AT_MS = 1795466777 * 1000;

describe("executor request signing (Inngest cloud mode)", () => {
  it("signs a call body exactly as Inngest did in the captured traffic", () => {
    expect(signatureHeader(canonicalJson(CAPTURED_BODY), SIGNING_KEY, CAPTURED_AT_MS + 400)).toBe(CAPTURED_REQUEST_SIGNATURE);
    expect(computeSignature(canonicalJson(CAPTURED_BODY), SIGNING_KEY, "1795466777")).toBe(CAPTURED_REQUEST_SIGNATURE.slice(15));
    // The key is used without its prefix: the bare hex key signs the same.
    expect(signatureHeader(canonicalJson(CAPTURED_BODY), "ab".repeat(32), CAPTURED_AT_MS)).toBe(CAPTURED_REQUEST_SIGNATURE);
  });

  it("hashes the signing key into the Bearer token the SDK sends", () => {
    expect(hashSigningKey(SIGNING_KEY)).toBe(CAPTURED_BEARER);
  });

  it("verifies the SDK's signed reply over its exact text, within five minutes", () => {
    const check = (header: string | null, text = CAPTURED_RESPONSE_TEXT, now = CAPTURED_AT_MS, keys = [SIGNING_KEY]) =>
      checkSignatureHeader(header, text, keys, now);
    expect(check(CAPTURED_RESPONSE_SIGNATURE)).toBeNull();
    expect(check(CAPTURED_RESPONSE_SIGNATURE, CAPTURED_RESPONSE_TEXT, CAPTURED_AT_MS + 4 * 60_000)).toBeNull();
    // A rotation: the reply matches the second of the accepted keys.
    expect(
      check(CAPTURED_RESPONSE_SIGNATURE, CAPTURED_RESPONSE_TEXT, CAPTURED_AT_MS, [`signkey-test-${"cd".repeat(32)}`, SIGNING_KEY]),
    ).toBeNull();
    expect(check(CAPTURED_RESPONSE_SIGNATURE, CAPTURED_RESPONSE_TEXT, CAPTURED_AT_MS + 6 * 60_000)).toBe("expired");
    expect(check(CAPTURED_RESPONSE_SIGNATURE, CAPTURED_RESPONSE_TEXT.replace("par-b", "par-c"))).toBe("mismatch");
    expect(check(CAPTURED_RESPONSE_SIGNATURE, CAPTURED_RESPONSE_TEXT, CAPTURED_AT_MS, [`signkey-test-${"cd".repeat(32)}`])).toBe(
      "mismatch",
    );
    expect(check(null)).toBe("missing");
    expect(check("t=abc&s=00")).toBe("malformed");
  });

  it("writes canonical JSON (RFC 8785)", () => {
    expect(canonicalJson({ b: 1, a: [3, { z: null, y: "é\n" }], "€": true, A: 0 })).toBe(
      '{"A":0,"a":[3,{"y":"é\\n","z":null}],"b":1,"€":true}',
    );
    expect(canonicalJson([1e21, 0.1, -0, 1.5e-7, 100])).toBe("[1e+21,0.1,0,1.5e-7,100]");
    expect(canonicalJson({ gone: undefined, kept: [undefined], at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z","kept":[null]}');
    // UTF-16 code unit order: an astral character (surrogate pair, 0xD83D...) sorts before U+FB01.
    expect(canonicalJson({ ﬁ: 1, "😀": 2 })).toBe('{"😀":2,"ﬁ":1}');
  });

  it("accepts only signing keys in Inngest's format", () => {
    expect(isValidSigningKey(SIGNING_KEY)).toBe(true);
    expect(isValidSigningKey("ab".repeat(32))).toBe(true);
    expect(isValidSigningKey("signkey-prod-not-hex")).toBe(false);
    expect(isValidSigningKey("signkey-prod-abc")).toBe(false);
  });
});

describe("executor signing configuration", () => {
  it("reads the SDK's variable names; empty means unset (dev mode)", () => {
    expect(executorOptionsFromEnv({ INNGEST_SIGNING_KEY: SIGNING_KEY, INNGEST_EVENT_KEY: "e".repeat(32) })).toMatchObject({
      signingKey: SIGNING_KEY,
      eventKey: "e".repeat(32),
    });
    expect(executorOptionsFromEnv({ INNGEST_SIGNING_KEY: "", INNGEST_EVENT_KEY: "" })).toMatchObject({
      signingKey: undefined,
      eventKey: undefined,
    });
  });

  it("stops on a malformed key with the variable's name", () => {
    expect(() => executorOptionsFromEnv({ INNGEST_SIGNING_KEY: "signkey-prod-secret" })).toThrow(
      /INNGEST_SIGNING_KEY: must be a signing key/,
    );
    expect(() => executorOptionsFromEnv({ INNGEST_SIGNING_KEY_FALLBACK: SIGNING_KEY })).toThrow(
      /INNGEST_SIGNING_KEY_FALLBACK: is only used together with INNGEST_SIGNING_KEY/,
    );
    expect(() => executorOptionsFromEnv({ INNGEST_EVENT_KEY: "short" })).toThrow(/INNGEST_EVENT_KEY: must be at least 16/);
  });
});
