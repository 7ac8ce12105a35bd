import type { Identity } from '../types'

/** An identity read from a PFX, with the friendlyName the exporter gave it, if any. */
export interface PfxIdentity extends Identity {
  friendlyName?: string
}

/** What a PKCS#12 file holds. */
export interface PfxContents {
  /** Each private key with its certificate and chain (nearest first). Empty when the file holds only certificates. */
  identities: PfxIdentity[]
  /** Every X.509 certificate in the file (DER), in file order. */
  certificates: Uint8Array[]
  /** Human names of the algorithms the file used, e.g. "pbeWithSHAAnd40BitRC2-CBC", "MAC HMAC-SHA1". */
  algorithms: string[]
}
