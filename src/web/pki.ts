/**
 * The engine's certificate functions (src/core/pki) for the main thread, loaded on first
 * use: they bring pkijs, asn1js and the bundled roots (hundreds of KB), which signing in
 * and listing plain mail never need (issue 12, bytes on the wire). Stores import these
 * instead of core/pki; each is the engine's function, made async where it was not, and
 * the first call fetches the code once (a failed fetch is tried again on the next call).
 * Keys and messages are not handled here: that is the crypto worker's (workers/client.ts).
 */
type Pki = typeof import('../core/pki')
type Later<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never

let pki: Promise<Pki> | null = null

/** core/pki, fetched once. */
export function loadPki(): Promise<Pki> {
  pki ??= import('../core/pki').catch((e: unknown) => {
    pki = null
    throw e
  })
  return pki
}

function later<K extends keyof Pki>(name: K): Later<Pki[K]> {
  return (async (...args: unknown[]) => ((await loadPki())[name] as (...a: unknown[]) => unknown)(...args)) as Later<Pki[K]>
}

export const validateCertificate = later('validateCertificate')
export const summarizeCertificate = later('summarizeCertificate')
export const readCertificates = later('readCertificates')
export const readCrls = later('readCrls')
export const signerContinuity = later('signerContinuity')
export const judgeDirectoryCertificates = later('judgeDirectoryCertificates')
export const crlUrlsToFetch = later('crlUrlsToFetch')
export const ocspQuestions = later('ocspQuestions')
export const checkOcspAnswer = later('checkOcspAnswer')

/** core/pki/crl's parseCrl. */
export async function parseCrl(der: Uint8Array): Promise<ReturnType<typeof import('../core/pki/crl').parseCrl>> {
  return (await import('../core/pki/crl')).parseCrl(der)
}

/** The bundled public roots trusted for email (core/pki/roots.ts, about 160 KB of DER). */
export async function emailRoots(): Promise<Uint8Array[]> {
  return (await import('../core/pki/roots')).EMAIL_ROOTS
}
