/**
 * Which addresses the CRL relay may connect to: public unicast only. Everything in the
 * IANA special-purpose registries (RFC 6890) that is loopback, private, shared, link-local,
 * documentation, multicast or reserved is refused, so the relay cannot reach into the
 * bridge's own network (SSRF).
 */
import { BlockList, isIP } from 'node:net'

// Two lists: Node's BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules too.
const blocked4 = new BlockList()
const blocked6 = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked4.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23],
  ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) blocked6.addSubnet(net, bits, 'ipv6')

/** True when `ip` is a public unicast address. IPv4-mapped IPv6 literals are always refused. */
export function isPublicAddress(ip: string): boolean {
  const v = isIP(ip)
  if (v === 4) return !blocked4.check(ip, 'ipv4')
  if (v === 6) return !blocked6.check(ip, 'ipv6')
  return false
}
