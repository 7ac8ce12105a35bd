/**
 * Parsing limits for untrusted DER/BER. asn1js 4 refuses input over 16 MiB or
 * 10,000 elements by default, which a 25 MB message exceeds; these limits are
 * sized for mail up to the engine's maximum message size while still bounding
 * hostile input (depth, element count). A module of its own, without asn1js, so that
 * the app can size what it displays without loading the parser (issue 12).
 */
export const LIMITS = {
  /** Largest single message the engine opens. */
  maxMessageBytes: 64 * 1024 * 1024,
  maxDepth: 64,
  maxNodes: 200_000,
}
