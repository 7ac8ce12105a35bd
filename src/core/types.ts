/**
 * The shapes core modules exchange. Certificates, keys and CRLs travel as DER bytes so
 * they cross worker boundaries (structured clone) and never leak PKI.js classes.
 */

/** Your own identity: a certificate with its private key and the chain above it. */
export interface Identity {
  /** DER of the end-entity certificate. */
  certificate: Uint8Array
  /** DER of intermediates (and possibly the root), nearest first, as found in the PFX. */
  chain: Uint8Array[]
  /** PKCS#8 PrivateKeyInfo DER. Only ever held in the crypto worker or the CLI. */
  privateKey: Uint8Array
}

/**
 * A trust anchor with its policy. `emailDistrustAfter` (Mozilla's
 * CKA_NSS_EMAIL_DISTRUST_AFTER): certificates below this root whose notBefore is
 * later are not trusted through it (pki/distrust.ts). Dates or ISO 8601 strings.
 */
export interface TrustAnchor {
  der: Uint8Array
  emailDistrustAfter?: Date | string | null
}

/** A trust anchor as callers pass it: bare DER, or DER with its policy. */
export type TrustAnchorInput = Uint8Array | TrustAnchor

/** Everything `open` may use to decrypt and judge a message. */
export interface Keyring {
  identities: Identity[]
  /** Trust anchors: DER, or DER with an email distrust-after date (TrustAnchor). */
  trustAnchors: TrustAnchorInput[]
  /** Known intermediates and contacts' certificates (DER). */
  certificates: Uint8Array[]
  /** CRLs (DER). */
  crls: Uint8Array[]
  /** OCSP responses (DER), nonce-checked when they arrived; verified again when used (pki/ocsp.ts). */
  ocsp?: Uint8Array[]
  /** Validation time; default now. */
  at?: Date
}

export type SignatureVerdict =
  | 'valid'
  | 'untrusted'
  | 'invalid'
  | 'expired'
  | 'revoked'
  | 'email-mismatch'
  | 'not-email-cert'
  /**
   * Signed by the mail gateway of the From address's domain, with a certificate the
   * caller accepted as that domain's gateway (OpenOptions.gateways: an Open Group gateway
   * profile domain certificate), and otherwise valid. It proves the domain's gateway sent
   * the content, not that the person wrote it: never 'valid'. Added by issue 10.
   */
  | 'gateway'
  | 'none'

export type SignerStatus = Exclude<SignatureVerdict, 'none'>

export type EncryptionVerdict = 'decrypted' | 'not-for-you' | 'corrupt' | 'unsupported' | 'none'

/** Order in which a non-valid verdict is chosen when signers disagree (issue #5). */
export const SIGNER_STATUS_PRECEDENCE: readonly SignerStatus[] = [
  'invalid',
  'revoked',
  'email-mismatch',
  'not-email-cert',
  'expired',
  'untrusted',
  // Not a problem of the certificate but a weaker claim than 'valid': one gateway signer
  // among valid ones makes the layer 'gateway'.
  'gateway',
]

/** A certificate as reports show it. */
export interface CertificateSummary {
  subject: string
  issuer: string
  /** Serial number, lowercase hex without separators. */
  serial: string
  emails: string[]
  notBefore: string
  notAfter: string
  /** SHA-256 of the DER, lowercase hex. */
  sha256: string
  selfSigned: boolean
  isCA: boolean
  keyAlgorithm: string
  keySize?: number
  keyUsage: string[]
  extendedKeyUsage: string[]
}

export interface ErrorEntry {
  code: string
  message: string
}
