/** Validation of every request part with the contract's zod schemas. */
import type { z } from 'zod'
import { BridgeError } from './errors'

/** Parses `value` with `schema` or throws bad_request naming the first problems. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.output<S> {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const issues = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`)
    .join('; ')
  throw new BridgeError('bad_request', `Invalid ${what}: ${issues}`)
}
