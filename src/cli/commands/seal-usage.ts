export const SEAL_USAGE =
  'Usage: cachet-smime seal --pfx FILE PASSWORD [--sign] [--encrypt --to CERT...] [--cipher aes-256-cbc|aes-128-cbc|aes-256-gcm|aes-128-gcm] [--oaep] [--pss] [--opaque] [--allow-expired] [--protect-subject] < DRAFT.eml > OUT.eml\n'
