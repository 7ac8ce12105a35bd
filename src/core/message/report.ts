import type { OcspFacts } from '../pki/ocsp'
import type { ForwardedReport } from './forwarded'
import type { SignedPartReport } from './parts'
import type { ProtectedHeadersReport } from './hp'
import type {
  CertificateSummary,
  EncryptionVerdict,
  ErrorEntry,
  SignatureVerdict,
  SignerStatus,
} from '../types'

/** One signer of a SignedData layer, with its verdict. */
export interface SignerReport {
  status: SignerStatus
  /** Why the status is what it is, in words (e.g. "signature does not verify"). */
  reasons: string[]
  /** The email the certificate vouches for that matched From, else the first one, else null. */
  email: string | null
  emails: string[]
  subject: string
  issuer: string
  serial: string
  digestAlgorithm: string
  signatureAlgorithm: string
  signingTime: string | null
  /** Weak algorithms used (e.g. "sha1"). */
  weak: string[]
  /**
   * Weak but accepted algorithms in the signer's certificate chain (pki/algorithms.ts):
   * a certificate signed with SHA-1 (not counting the trust anchor's self-signature), an
   * RSA key under 2048 bits. Present only when there is at least one (added after the
   * first release of this contract; absent means none found). MD2/MD5 signatures and
   * RSA keys under 1024 bits are not weak but unacceptable: the signer is 'untrusted'.
   */
  chainWeak?: ChainWeakness[]
  /**
   * Set when this signer signs an encrypted layer and nothing else (encrypt-then-sign):
   * it proves who sent the ciphertext, not who wrote what it says, so it does not count
   * toward verdict.signature (verdict.ts); its reasons say "signs the encrypted envelope
   * only". Additive (issue 16): absent means the signer covers the content it wraps.
   */
  coversEnvelopeOnly?: true
  /**
   * Set when the message's Date header is more than an hour (DATE_SKEW_SECONDS) from this
   * signer's signingTime: a replayed or re-dated message. The status is unchanged (the
   * signature is what it is), a reason names both times, and the app does not show the
   * signature as plainly verified. Additive (issue 16): absent means no such gap (or no
   * Date or no signingTime to compare).
   */
  dateSkew?: { date: string; signingTime: string; seconds: number }
  /**
   * Set when this signer's certificate is the one the caller accepted as the mail gateway
   * of the From address's domain (OpenOptions.gateways, `inspect --gateway`): that domain,
   * lower-case. The status is then 'gateway' when the certificate is otherwise valid, or
   * its own problem (expired, revoked, untrusted, not-email-cert), never 'email-mismatch'
   * for the person's address. Additive (issue 10): absent for every other signer.
   */
  gateway?: string
  /** Path from the signer up to the anchor, signer first (empty if no certificate). */
  chain: CertificateSummary[]
  revocation: 'good' | 'revoked' | 'unknown'
  /**
   * What decided `revocation` for the signer's own certificate: an OCSP answer (asked
   * first, RFC 6960) or a CRL (the fallback). Additive (issue 11): absent when neither did.
   */
  revocationSource?: 'ocsp' | 'crl'
  /** The verified OCSP answer about the signer's certificate, when there was one (even "unknown"). */
  ocsp?: OcspFacts
  /** SMIMECapabilities the signer announced (algorithm names), if any. */
  capabilities: string[]
  /** DER of the signer's certificate, base64, so the app can offer "Add to contacts". */
  certificate: string | null
}

/** One weak algorithm in a signer's chain. */
export interface ChainWeakness {
  /** Position in `chain`: 0 is the signer's own certificate. */
  index: number
  /** Subject of that certificate. */
  subject: string
  /** 'signature': the certificate is signed with `algorithm`; 'key': its own key is weak. */
  kind: 'signature' | 'key'
  /** 'sha1', or 'rsa-<bits>' for a short RSA key. */
  algorithm: string
  /** The finding in words. */
  reason: string
}

export interface RecipientReport {
  type: 'ktri' | 'kari' | 'kekri' | 'pwri' | 'ori'
  keyEncryptionAlgorithm: string
  /** For ktri/kari by issuerAndSerialNumber. */
  issuer?: string
  serial?: string
  subjectKeyIdentifier?: string
  /** True for the recipient entry that one of our identities opened. */
  ours: boolean
}

export type LayerReport =
  | {
      kind: 'signed'
      detached: boolean
      contentType: string
      digestAlgorithms: string[]
      signers: SignerReport[]
      certificates: CertificateSummary[]
    }
  | {
      kind: 'enveloped' | 'auth-enveloped'
      status: Exclude<EncryptionVerdict, 'none'>
      contentEncryptionAlgorithm: string
      /** False for CBC (no integrity protection: EFAIL malleability); true for GCM. */
      integrity: boolean
      weak: string[]
      /**
       * Set when the content cipher gives no real confidentiality (40-bit RC2, single DES;
       * cms/envelope/weak.ts): why, in words. The layer is then 'unsupported' and nothing of
       * it is shown, unless it was opened with OpenOptions.allowWeakCiphers. Additive
       * (issue 16): absent for every other cipher (legacy ones are named in `weak`).
       */
      noConfidentiality?: string
      recipients: RecipientReport[]
      /**
       * Set when this layer sits inside a signed layer none of whose signers is among its
       * recipients (message/rewrap.ts; error code 'rewrapped-ciphertext'): someone signed
       * ciphertext made for others, so the signer may not have written the content.
       * The verdict is unchanged; the app warns and does not quote the content.
       */
      foreignCiphertext?: { signer: string }
    }

export interface AttachmentReport {
  filename: string | null
  contentType: string
  size: number
  sha256: string
}

/** What `open` says about a message: the contract of `cachet-smime inspect`. */
export interface SecurityReport {
  verdict: { signature: SignatureVerdict; encryption: EncryptionVerdict }
  /** Outermost first. */
  layers: LayerReport[]
  from: string | null
  subject: string | null
  text: string | null
  attachments: AttachmentReport[]
  errors: ErrorEntry[]
  /**
   * Signed parts below an unprotected root (a list footer added after a signed part),
   * each verified on its own (parts.ts); `verdict` stays that of the whole message.
   * Additive (issue 16): absent when there is none.
   */
  signedParts?: SignedPartReport[]
  /**
   * Forwarded messages (message/rfc822 parts of the displayed message), each opened on its
   * own with its own report (forwarded.ts), up to MAX_FORWARDED_DEPTH levels; `verdict`
   * stays that of this message and claims nothing for them, nor they for it. Additive
   * (issue 16): absent when there is none.
   */
  forwarded?: ForwardedReport[]
  /**
   * The header fields protected inside the signature or encryption (RFC 9788 hp="cipher" /
   * hp="clear", or the older protected-headers="v1"; hp.ts). When present, `from` and
   * `subject` above are the protected ones. Additive (issue 13): absent when the message
   * protects no header fields.
   */
  protectedHeaders?: ProtectedHeadersReport
}
