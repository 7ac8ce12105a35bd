/**
 * CMS SignedData: verify (signatures and signed attributes, not trust) and sign.
 * See verify.ts and sign.ts.
 */
export { verifySigned, type SignedResult, type SignerCheck, type VerifyOptions } from './verify'
export { signData, signingDigest, type SignOptions } from './sign'
export { parseSmimeCapabilities, encodeSmimeCapabilities, CACHET_CAPABILITIES } from './attributes'
export { micalgOf } from './micalg'
