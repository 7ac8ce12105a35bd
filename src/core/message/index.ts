/** The S/MIME message layer: open(raw, keyring) → report + view; seal(draft, options) → raw MIME. */
export { openMessage, looksLikeMessage, singleFrom, MAX_LAYERS, type OpenResult, type OpenOptions, type MessageView } from './open'
export { sealMessage, checkRecipients, type SealOptions, type SealCipher, type SealDigest } from './seal'
export { computeVerdict, isClean, type Verdict } from './verdict'
export { REWRAPPED_CODE } from './rewrap'
export { detectRoot, findEmbedded, sniffContentType, type Detection, type EmbeddedPart } from './detect'
export type { SecurityReport, LayerReport, SignerReport, RecipientReport, AttachmentReport } from './report'
export type { AttachmentView, BodyView } from './view'
export type { SignedPartReport } from './parts'
