/**
 * Publishes an issued certificate in the directory, as the configured bind DN: the entry
 * whose mail is the address gets the certificate added to its userCertificate;binary
 * (RFC 4523 §2.1; added, not replaced: the older certificates stay valid for mail
 * already encrypted to them). Publishing is a courtesy to correspondents: it may fail
 * (no bind DN, no entry, several entries, directory down) without failing the enrolment.
 */
import { Attribute, Change } from 'ldapts'
import { searchByMail } from '../directory/lookup'
import { directoryFailure, withDirectory, type DirectoryConfig } from '../directory/ldap'

interface Log {
  warn(obj: object, msg: string): void
}

/** True when the certificate is now on the address's entry. */
export async function publishCertificate(d: DirectoryConfig | null, address: string, der: Buffer, log?: Log): Promise<boolean> {
  if (!d?.bindDn) return false
  try {
    return await withDirectory(d, async (client) => {
      const entries = (await searchByMail(client, d, [address], ['mail'])).filter((e) => e.mail.includes(address.toLowerCase()))
      if (entries.length !== 1) {
        log?.warn({ entries: entries.length }, 'certificate not published: the directory has no single entry for the address')
        return false
      }
      await client.modify(
        entries[0]!.dn,
        new Change({ operation: 'add', modification: new Attribute({ type: 'userCertificate;binary', values: [der] }) }),
      )
      return true
    })
  } catch (e) {
    log?.warn({ err: { message: directoryFailure(e) } }, 'certificate not published in the directory')
    return false
  }
}
