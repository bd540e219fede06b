import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may go. A target that resolves to a loopback, private, link-local (cloud
 * metadata lives at 169.254.169.254), carrier-grade NAT, multicast or unspecified address is
 * refused unless WEBHOOK_ALLOWED_ADDRESSES names it; plain http:// needs WEBHOOK_ALLOW_HTTP. The
 * check runs at registration and again on every connection (the resolved address is the one
 * connected to, so a DNS answer that changes later cannot slip past it).
 */
export interface TargetPolicy {
  allowHttp: boolean;
  /** Addresses or CIDR ranges allowed although they are in a refused range. */
  allowed: readonly string[];
}

const refusedRanges: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 3, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  // AWS's IPv6 metadata address sits inside fc00::/7 already; named for the reader.
  ['fd00:ec2::', 32, 'ipv6'],
];

const refused = new BlockList();
for (const [net, prefix, type] of refusedRanges) refused.addSubnet(net, prefix, type);

function allowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const type = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!address || !isIP(address)) continue;
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** `::ffff:10.0.0.1` is 10.0.0.1: checked as IPv4. */
function normalise(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, type: 'ipv4' };
  return { address, type: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export function createTargetPolicy(policy: TargetPolicy) {
  const allowed = allowList(policy.allowed);

  /** Why this address may not be connected to, or null when it may. */
  function addressRefusal(raw: string): string | null {
    const { address, type } = normalise(raw);
    if (allowed.check(address, type)) return null;
    return refused.check(address, type)
      ? `${address} is a loopback, private, link-local or reserved address`
      : null;
  }

  /** Why this URL may not be a target (scheme, credentials), or null when its form is fine. */
  function urlRefusal(text: string): string | null {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return 'not a URL';
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
      return policy.allowHttp ? 'only http:// and https:// URLs' : 'only https:// URLs';
    }
    if (url.username || url.password) return 'a URL must not carry credentials';
    return null;
  }

  /** `dns.lookup` that refuses what the policy refuses: the address checked is the one used. */
  const guardedLookup = (
    hostname: string,
    options: object,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const list = addresses as LookupAddress[];
      const bad = list.map((a) => addressRefusal(a.address)).find((r) => r !== null);
      if (bad || list.length === 0) {
        return callback(
          Object.assign(new Error(`refused target: ${bad ?? 'no address'}`), {
            code: 'ETARGETREFUSED',
          }),
          '',
        );
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };

  /** Registration: the URL's form, and every address its host resolves to now. */
  async function check(text: string): Promise<string | null> {
    const form = urlRefusal(text);
    if (form) return form;
    const host = new URL(text).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return addressRefusal(host);
    return new Promise((resolve) => {
      dnsLookup(host, { all: true }, (error, addresses) => {
        if (error) return resolve(`${host} does not resolve`);
        const bad = addresses.map((a) => addressRefusal(a.address)).find((r) => r !== null);
        resolve(bad ?? null);
      });
    });
  }

  return { check, urlRefusal, addressRefusal, lookup: guardedLookup };
}

export type TargetGuard = ReturnType<typeof createTargetPolicy>;
