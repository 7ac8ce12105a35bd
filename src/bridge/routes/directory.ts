/** POST /api/directory/lookup: the certificates the directory publishes for some addresses (directory/lookup.ts). */
import type { FastifyInstance } from 'fastify'
import { DIRECTORY_MAX_ADDRESSES, DirectoryLookupRequest, routes, type DirectoryLookupResponse } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { lookupCertificates } from '../directory/lookup'
import { BridgeError } from '../errors'
import { parse } from '../validate'
import { define } from './define'

export function directoryRoutes(app: FastifyInstance, config: BridgeConfig): void {
  define(app, routes.directory, async (request): Promise<DirectoryLookupResponse> => {
    const directory = config.directory
    if (!directory) {
      throw new BridgeError('directory_not_configured', 'This server has no certificate directory. Ask your correspondents for a signed message instead.')
    }
    // Its own code, not a schema message: the app splits a longer list into several lookups.
    const asked = (request.body as { addresses?: unknown } | null)?.addresses
    if (Array.isArray(asked) && asked.length > DIRECTORY_MAX_ADDRESSES) {
      throw new BridgeError('too_many_addresses', `Look up at most ${DIRECTORY_MAX_ADDRESSES} addresses at a time (${asked.length} given).`)
    }
    const { addresses } = parse(DirectoryLookupRequest, request.body, 'directory lookup')
    return { results: await lookupCertificates(directory, addresses, request.log) }
  })
}
