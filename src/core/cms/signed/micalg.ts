/** The micalg parameter of multipart/signed (RFC 8551 §3.5.3.2) for a digest name. */
export function micalgOf(digest: string): string {
  const map: Record<string, string> = { sha1: 'sha-1', sha224: 'sha-224', sha256: 'sha-256', sha384: 'sha-384', sha512: 'sha-512', md5: 'md5' }
  return map[digest] ?? 'unknown'
}
