import { describe, expect, it } from "vitest";
import { classifyAddress, isPrivateHostAllowed, parsePrivateHostList } from "~/server/security/outbound-addresses";

/** The outbound guard's address table (docs/decisions/019): only publicly routable unicast passes by default. */
describe("classifyAddress", () => {
  const refused: [string, string][] = [
    ["127.0.0.1", "a loopback address"],
    ["127.255.255.254", "a loopback address"],
    ["10.1.2.3", "a private (RFC 1918) address"],
    ["172.16.0.1", "a private (RFC 1918) address"],
    ["172.31.255.255", "a private (RFC 1918) address"],
    ["192.168.1.1", "a private (RFC 1918) address"],
    ["169.254.169.254", "a link-local address (the cloud metadata service)"],
    ["169.254.1.1", "a link-local address"],
    ["100.64.0.1", "a carrier-grade NAT (RFC 6598) address"],
    ["100.127.255.254", "a carrier-grade NAT (RFC 6598) address"],
    ["224.0.0.1", "a multicast address"],
    ["239.255.255.250", "a multicast address"],
    ["0.0.0.0", "an unspecified address"],
    ["0.1.2.3", "an unspecified address"],
    ["255.255.255.255", "the broadcast address"],
    ["240.0.0.1", "a reserved address"],
    ["192.0.2.1", "a reserved address"],
    ["198.18.0.1", "a reserved address"],
    ["::1", "a loopback address"],
    ["::", "an unspecified address"],
    ["fe80::1", "a link-local address"],
    ["fe80::1%eth0", "a link-local address"],
    ["fc00::1", "a unique-local (fc00::/7) address"],
    ["fd12:3456::1", "a unique-local (fc00::/7) address"],
    ["ff02::1", "a multicast address"],
    ["2001:db8::1", "a reserved address"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo tunnel address"],
    ["64:ff9b:1::a00:1", "a local-use NAT64 (RFC 8215) address"],
    ["::ffff:0:7f00:1", "an IPv4-translated (RFC 6145) address"],
    // IPv4-compatible (deprecated): ipaddr.js calls it unicast, but it is not global unicast.
    ["::7f00:1", "not a global unicast address (outside 2000::/3)"],
    ["4000::1", "not a global unicast address (outside 2000::/3)"],
  ];
  it.each(refused)("refuses %s as %s", (address, description) => {
    expect(classifyAddress(address)).toEqual({ isPublic: false, description });
  });

  const embedded: [string, string, string][] = [
    ["::ffff:127.0.0.1", "127.0.0.1", "a loopback address"],
    ["::ffff:7f00:1", "127.0.0.1", "a loopback address"],
    ["::ffff:10.0.0.5", "10.0.0.5", "a private (RFC 1918) address"],
    ["::ffff:169.254.169.254", "169.254.169.254", "a link-local address (the cloud metadata service)"],
    ["64:ff9b::7f00:1", "127.0.0.1", "a loopback address"],
    ["64:ff9b::a9fe:a9fe", "169.254.169.254", "a link-local address (the cloud metadata service)"],
    ["2002:7f00:1::", "127.0.0.1", "a loopback address"],
    ["2002:c0a8:101::1", "192.168.1.1", "a private (RFC 1918) address"],
  ];
  it.each(embedded)("judges %s by the IPv4 address it carries (%s)", (address, inner, description) => {
    expect(classifyAddress(address)).toEqual({ isPublic: false, description, embedded: inner });
  });

  it.each(["8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2a00:1450:4001::1"])(
    "lets public unicast %s through",
    (address) => expect(classifyAddress(address)).toEqual({ isPublic: true }),
  );

  it("lets IPv6 forms of public IPv4 addresses through (NAT64 on IPv6-only networks, IPv4-mapped, 6to4)", () => {
    for (const address of ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]) expect(classifyAddress(address).isPublic).toBe(true);
  });
});

describe("operator allow-lists (LONGHAUL_PRIVATE_MODEL_HOSTS, LONGHAUL_PRIVATE_TOOL_HOSTS)", () => {
  it("parse names, wildcard domains, addresses and CIDR ranges", () => {
    const list = parsePrivateHostList(" localhost, Ollama.LAN ,*.internal, 127.0.0.1, 10.0.0.0/8, fd00::/8, [::1] ,");
    expect(list.names).toEqual(["localhost", "ollama.lan", "*.internal"]);
    expect(list.ranges.map(([address, bits]) => `${address.toString()}/${bits}`)).toEqual([
      "127.0.0.1/32",
      "10.0.0.0/8",
      "fd00::/8",
      "::1/128",
    ]);
    expect(parsePrivateHostList("")).toMatchObject({ names: [], ranges: [] });
  });

  it("name the entry they cannot read", () => {
    expect(() => parsePrivateHostList("localhost,10.0.0.0/33")).toThrow('"10.0.0.0/33" is not a CIDR range like 10.0.0.0/8 or fd00::/8.');
    expect(() => parsePrivateHostList("http://ollama:11434")).toThrow('"http://ollama:11434" is neither a host name');
    expect(() => parsePrivateHostList("0x7f.1/8")).toThrow('"0x7f.1/8" is not a CIDR range');
  });

  it("open a private address by the host's name or by the address's range, and nothing else", () => {
    const list = parsePrivateHostList("ollama.lan,*.internal,10.0.0.0/8,127.0.0.1");
    expect(isPrivateHostAllowed("ollama.lan", "192.168.1.20", list)).toBe(true);
    expect(isPrivateHostAllowed("ollama.lan.", "192.168.1.20", list)).toBe(true);
    expect(isPrivateHostAllowed("gpu.internal", "192.168.1.21", list)).toBe(true);
    expect(isPrivateHostAllowed("internal", "192.168.1.21", list)).toBe(true);
    expect(isPrivateHostAllowed("evil-internal", "192.168.1.21", list)).toBe(false);
    expect(isPrivateHostAllowed("anything.example", "10.9.8.7", list)).toBe(true);
    expect(isPrivateHostAllowed("::ffff:10.9.8.7", "::ffff:10.9.8.7", list)).toBe(true);
    expect(isPrivateHostAllowed("127.0.0.1", "127.0.0.1", list)).toBe(true);
    expect(isPrivateHostAllowed("localhost", "127.0.0.2", list)).toBe(false);
    expect(isPrivateHostAllowed("::1", "::1", list)).toBe(false);
    expect(isPrivateHostAllowed("metadata", "169.254.169.254", list)).toBe(false);
  });
});
