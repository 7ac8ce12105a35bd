/** MIME: byte-exact parsing and canonical building (see parse.ts, build.ts). */
export * from './parse'
export * from './build'
export { decodeHeaderValue, parseAddressList, parseHeaderParams, decodeCharset, type MailAddress } from './headers'
export { decodeQuotedPrintable, encodeQuotedPrintable, decodeTransfer, canonicalizeLineEnds } from './encodings'
