/*
 * Which direct peers may tell us the client's address (X-Forwarded-For).
 * Only the configured proxies (TRUSTED_PROXIES: CIDRs or addresses, comma
 * separated; default none): from any other peer the header is ignored, so a
 * client cannot pick its own rate-limit bucket, and clients behind a trusted
 * proxy (ingress-nginx) are told apart instead of sharing the proxy's.
 */
import { BlockList, isIP } from 'node:net'

export type TrustedProxies = {
  /** The configured entries, normalized to CIDR form. */
  readonly cidrs: readonly string[]
  /** AdonisJS `trustProxy`: is this hop (the peer, then each forwarded address) a trusted proxy? */
  trusts(address: string): boolean
}

/** An IPv4 peer on a dual-stack socket reads as ::ffff:a.b.c.d. */
function unmapped(address: string) {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped ? mapped[1] : address
}

/** Parses TRUSTED_PROXIES; a malformed entry throws an error naming the variable and the entry. */
export function parseTrustedProxies(name: string, value: string | undefined): TrustedProxies {
  const list = new BlockList()
  const cidrs: string[] = []
  for (const entry of (value ?? '').split(/[\s,]+/).filter(Boolean)) {
    const [address, prefix, ...rest] = entry.split('/')
    const family = isIP(address)
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix)
    const maxBits = family === 6 ? 128 : 32
    if (family === 0 || rest.length > 0 || !/^\d+$/.test(String(bits)) || bits > maxBits) {
      throw new Error(
        `Invalid environment variable "${name}": "${entry}" is not an ` +
          'IP address or CIDR (expected e.g. 10.244.0.0/16,fd00::/8)'
      )
    }
    const type = family === 6 ? 'ipv6' : 'ipv4'
    list.addSubnet(address, bits, type)
    cidrs.push(`${address}/${bits}`)
  }
  return {
    cidrs,
    trusts(address: string) {
      if (cidrs.length === 0) return false
      const plain = unmapped(address)
      const family = isIP(plain)
      return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4')
    },
  }
}
