import * as asn1js from 'asn1js'
import { CoreError } from '../errors'
import { LIMITS } from './limits'

/** The limits live in ./limits.ts (no asn1js there); the engine's modules import them from here. */
export { LIMITS }

/** Parse DER/BER with bounded depth and element count; throws CoreError('asn1'). */
export function parseDer(der: Uint8Array, what = 'structure'): asn1js.AsnType {
  if (der.length === 0) throw new CoreError('asn1', `The ${what} is empty.`)
  if (der.length > LIMITS.maxMessageBytes) {
    throw new CoreError('limit-exceeded', `The ${what} is larger than ${LIMITS.maxMessageBytes >> 20} MB.`)
  }
  let res: ReturnType<typeof asn1js.fromBER>
  try {
    res = asn1js.fromBER(der, {
      maxDepth: LIMITS.maxDepth,
      maxNodes: LIMITS.maxNodes,
      maxContentLength: LIMITS.maxMessageBytes,
    })
  } catch (e) {
    // asn1js throws (not reports) on some contents, e.g. a GeneralizedTime that is not a
    // time (found by fuzzing PKCS#12 files, issue #3): still a clean CoreError.
    throw new CoreError('asn1', `The ${what} is not valid DER/BER: ${e instanceof Error ? e.message : 'parse error'}.`, { cause: e })
  }
  if (res.offset === -1 || res.result.error) {
    throw new CoreError('asn1', `The ${what} is not valid DER/BER: ${res.result.error || 'parse error'}.`)
  }
  return res.result
}
