/**
 * The bridge API contract: request/response schemas (zod 4) and their types, one source
 * of truth for src/bridge and src/web. See routes.ts for the route table.
 */
export * from './errors'
export * from './primitives'
export * from './session'
export * from './mailboxes'
export * from './messages'
export * from './send'
export * from './search'
export * from './events'
export * from './crl'
export * from './ocsp'
export * from './certificates'
export * from './policy'
export * from './routes'
