/**
 * CMS encryption and decryption: EnvelopedData (RFC 5652) and AuthEnvelopedData
 * (RFC 5083/5084), reading and writing, in pure TypeScript over WebCrypto.
 */
export { decryptEnvelope, decryptEnvelopeBase64, type EnvelopeResult, type DecryptOptions } from './decrypt'
export { encryptEnvelope, encryptEnvelopeStream, type EncryptOptions, type EnvelopeCipher, type EnvelopeStream } from './encrypt'
