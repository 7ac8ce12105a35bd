import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Public S/MIME test material (RFC 9216 keys, real-world PKCS#12 files, OpenSSL CMS
 * vectors), copied unedited from ../shared/testdata with its README (sources and
 * licences) so a clean clone runs every test on its own.
 */
export const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'public')
