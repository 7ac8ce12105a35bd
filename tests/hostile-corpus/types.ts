import type { EncryptionVerdict, SignatureVerdict } from '../../src/core/types'

export type AttackClass =
  | 'efail-direct'
  | 'cbc-malleability'
  | 'gcm-tamper'
  | 'reply-oracle'
  | 'cms-spoofing'
  | 'mime-wrapping'
  | 'identity'

/** What opening the case must give (engine) and show (browser). */
export interface Expected {
  signature: SignatureVerdict
  encryption: EncryptionVerdict
  /** Plaintext that must appear nowhere: report JSON, view text/html, inner bytes, the page. */
  secrets: string[]
  /** integrity flag of the outermost encryption layer (false: CBC, labelled as such). */
  integrity?: boolean
  /** Number of S/MIME parts that must be listed apart (view.embedded), not processed. */
  embedded?: number
  /** An address that must be visible in report.from (the real sender). */
  fromShows?: string
  /** Email of the first signer as reported (the signer's real address). */
  signerEmail?: string
  /** An error code that must be among report.errors. */
  errorCode?: string
  /**
   * Plaintext that is shown (decrypted by design) but must never be quoted in a reply or
   * forward: ciphertext re-signed by someone who was not one of its recipients.
   */
  neverQuoted?: string[]
}

export interface HostileCase {
  name: string
  attack: AttackClass
  /** What the attack does, as the paper describes it. */
  description: string
  raw: Uint8Array
  expected: Expected
}
