/** IndexedDB storage of the app (see db.ts for the schema). */
export * from './db'
export * from './identities'
export * from './certificates'
export * from './trust'
export * from './settings'
export * from './drafts'
export * from './outbox'
export * from './crls'
