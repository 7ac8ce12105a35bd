/**
 * Engine and worker errors in words for the Security and Contacts screens. Callers branch
 * on the stable `code`; the engine's own message is kept where it names the detail (the
 * unsupported algorithm, the limit exceeded), because that is what the user needs to act.
 */
export interface CodedError {
  code: string
  message: string
  field?: 'pfxPassword' | 'passphrase'
}

function coded(e: unknown): CodedError | null {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const x = e as { code: string; message?: unknown; field?: unknown }
    return {
      code: x.code,
      message: typeof x.message === 'string' ? x.message : '',
      ...(x.field === 'pfxPassword' || x.field === 'passphrase' ? { field: x.field } : {}),
    }
  }
  return null
}

/** The sentence to show for a failed PFX import. */
export function importErrorText(e: unknown): string {
  const c = coded(e)
  if (!c) return e instanceof Error ? e.message : String(e)
  switch (c.code) {
    case 'wrong-password':
      return c.field === 'passphrase'
        ? 'The key store passphrase is wrong. It is the passphrase you chose at your first import.'
        : 'The PFX password is wrong. Use the password the file was exported with.'
    case 'not-pkcs12':
      return 'This is not a PFX (PKCS#12) file. Choose the .pfx or .p12 file that was exported with your private key.'
    case 'asn1':
      return `This is not a PFX (PKCS#12) file, or it is damaged. ${c.message}`
    case 'unsupported-algorithm':
      return `The PFX file uses an algorithm Cachet does not support. ${c.message}`
    case 'no-private-key':
      return 'The file holds certificates but no private key. Export it again with the private key included.'
    case 'limit-exceeded':
      return `The file is too large or too deeply nested to be a PFX file. ${c.message}`
    default:
      return c.message || 'The import failed.'
  }
}

/** The sentence for any other key-store operation (unlock, backup, settings). */
export function keystoreErrorText(e: unknown): string {
  const c = coded(e)
  if (!c) return e instanceof Error ? e.message : String(e)
  switch (c.code) {
    case 'wrong-password':
      return 'The key store passphrase is wrong. Check it and try again.'
    case 'key-locked':
      return 'The key store is locked. Unlock it with your key store passphrase, then try again.'
    default:
      return c.message || 'The operation failed.'
  }
}

/** The sentence for a failed "Get a certificate", "Renew" or certificate import. */
export function enrolErrorText(e: unknown): string {
  const c = coded(e)
  if (!c) return e instanceof Error ? e.message : String(e)
  switch (c.code) {
    case 'wrong-password':
      return 'The key store passphrase is wrong. It is the passphrase that protects your keys in this browser.'
    case 'ca_not_configured':
      return 'Your organisation has not connected a certificate authority to Cachet. Create a certificate request instead and send it to your certificate authority.'
    case 'ca_unavailable':
      return 'The certificate authority cannot be reached right now. Your request is kept under "Certificate requests": send it again later.'
    case 'ca_refused':
      return 'The certificate authority refused the request. Your request is kept under "Certificate requests"; ask your administrator, then send it again or discard it.'
    case 'csr_address_mismatch':
      return 'The request names another address than the one you are signed in with. A certificate can only be requested for your own address.'
    case 'csr_invalid':
      return 'The certificate request was not accepted as valid. Try again; if it keeps failing, tell your administrator.'
    case 'rate_limited':
      return 'Too many certificate requests in the last hour. Wait, then send the request again from "Certificate requests".'
    case 'network':
      return 'Cannot reach the Cachet server. Your request is kept under "Certificate requests": send it again when you are online.'
    default:
      return c.message || 'The certificate request failed.'
  }
}

/**
 * What is wrong with the key-store passphrase fields of a form (PFX import, Get a
 * certificate), or null. `setting`: this is the first key, so the passphrase is being
 * chosen (asked twice, at least 8 characters) rather than checked.
 */
export function passphraseProblem(passphrase: string, confirm: string, setting: boolean): string | null {
  if (!passphrase) return 'Enter the key store passphrase.'
  if (setting) {
    if (passphrase.length < 8) return 'Choose a key store passphrase of at least 8 characters.'
    if (passphrase !== confirm) return 'The two key store passphrases do not match. Type the same passphrase twice.'
  }
  return null
}
