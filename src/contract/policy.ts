/**
 * The organisation's policy (DESIGN.md, "Policy"): rules an administrator writes once in
 * the bridge's POLICY_FILE (JSON or YAML). The schema is here so the bridge validates the
 * file at start and `GET /api/policy` hands the app exactly what it checked; the matcher
 * is here (pure, no DOM, no Node) so the bridge and the app decide with the same code.
 *
 * A rule applies when ALL its conditions hold (`always` alone makes it unconditional):
 *
 *   rules:
 *     - name: Secure subject
 *       when: [{ subjectContains: "[secure]" }]   # any case
 *       then: [requireEncryption]
 *     - name: Card numbers
 *       when: [{ bodyMatches: '\b(?:\d[ -]?){13,16}\b' }]
 *       then: [requireEncryption, { warn: "This looks like a card number." }]
 *
 * Text comparisons ignore case; patterns are JavaScript regular expressions, run with the
 * `i` flag and checked at load time.
 */
import { z } from 'zod'

const MAX_PATTERN = 500

const Pattern = z
  .string()
  .min(1, 'the pattern is empty')
  .max(MAX_PATTERN, `the pattern is longer than ${MAX_PATTERN} characters`)
  .superRefine((p, ctx) => {
    try {
      new RegExp(p, 'i')
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(e as Error).message})` })
    }
  })

const Domain = z
  .string()
  .regex(/^@?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/, 'not a domain name (like example.org)')
  .transform((d) => d.replace(/^@/, '').toLowerCase())
const Address = z
  .string()
  .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'not an email address (like someone@example.org)')
  .transform((a) => a.toLowerCase())

export const PolicyCondition = z.union([
  z.strictObject({ subjectContains: z.string().min(1, 'the text is empty').max(MAX_PATTERN) }),
  z.strictObject({ subjectMatches: Pattern }),
  z.strictObject({ recipientDomains: z.array(Domain).min(1, 'list at least one domain') }),
  z.strictObject({ recipientAddresses: z.array(Address).min(1, 'list at least one address') }),
  z.strictObject({ bodyMatches: Pattern }),
  z.strictObject({ hasAttachments: z.literal(true) }),
  z.strictObject({ always: z.literal(true) }),
])
export type PolicyCondition = z.infer<typeof PolicyCondition>

export const POLICY_ACTIONS = ['requireEncryption', 'requireSignature', 'sign', 'encryptWhenPossible'] as const
export const PolicyAction = z.union([
  z.enum(POLICY_ACTIONS),
  z.strictObject({ warn: z.string().trim().min(1, 'the warning has no text').max(1000) }),
])
export type PolicyAction = z.infer<typeof PolicyAction>

export const PolicyRule = z.strictObject({
  name: z.string().trim().min(1, 'the rule has no name').max(200),
  when: z.array(PolicyCondition).min(1, 'a rule needs at least one condition (use { always: true } for every message)'),
  then: z.array(PolicyAction).min(1, 'a rule needs at least one action'),
})
export type PolicyRule = z.infer<typeof PolicyRule>

export const Policy = z
  .strictObject({ rules: z.array(PolicyRule).max(500) })
  .superRefine((p, ctx) => {
    const seen = new Set<string>()
    p.rules.forEach((r, i) => {
      if (seen.has(r.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: 'another rule has the same name' })
      seen.add(r.name.toLowerCase())
    })
  })
export type Policy = z.infer<typeof Policy>

export const EMPTY_POLICY: Policy = { rules: [] }

/** What `GET /api/policy` answers: the organisation's rules (none when POLICY_FILE is unset). */
export const PolicyResponse = Policy
export type PolicyResponse = Policy

/**
 * A validation failure of a policy file in words an administrator can act on, naming the
 * rule (by its name when it has one, else by its position) and what is wrong with it.
 */
export function describePolicyError(error: z.ZodError, input: unknown): string {
  const rules = (input as { rules?: unknown } | null)?.rules
  return error.issues
    .map((issue) => {
      const [top, index, ...rest] = issue.path
      if (top !== 'rules' || typeof index !== 'number') return `${issue.path.length ? issue.path.join('.') + ': ' : ''}${issueText(issue)}`
      const name = Array.isArray(rules) ? (rules[index] as { name?: unknown } | undefined)?.name : undefined
      const who = typeof name === 'string' && name.trim() ? `rule "${name}"` : `rule ${index + 1} (it has no name)`
      const where = rest.length ? ` (${rest.join('.')})` : ''
      return `${who}${where}: ${issueText(issue)}`
    })
    .join('; ')
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union') {
    return issue.path.at(-2) === 'when'
      ? 'unknown condition; use one of subjectContains, subjectMatches, recipientDomains, recipientAddresses, bodyMatches, hasAttachments, always'
      : 'unknown action; use one of requireEncryption, requireSignature, sign, encryptWhenPossible, { warn: text }'
  }
  if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`
  return issue.message
}

// ---------------------------------------------------------------------------------------
// Matching

/**
 * What is known of a message. `body` and `hasAttachments` are undefined where they cannot
 * be seen (the bridge never reads bodies): a rule with such a condition then does not
 * apply there, and only the app enforces it.
 */
export interface PolicyFacts {
  /** The subject as a person reads it (encoded words decoded: see decodeEncodedWords). */
  subject: string
  recipients: readonly string[]
  body?: string | undefined
  hasAttachments?: boolean | undefined
}

export interface PolicyOutcome {
  /** Names of the rules that apply, in file order. */
  matched: string[]
  requireEncryption: string[]
  requireSignature: string[]
  sign: string[]
  encryptWhenPossible: string[]
  warnings: { rule: string; text: string }[]
}

/** true, false, or undefined when the fact it needs is unknown. */
export function conditionHolds(c: PolicyCondition, facts: PolicyFacts): boolean | undefined {
  if ('always' in c) return true
  if ('subjectContains' in c) return facts.subject.toLowerCase().includes(c.subjectContains.toLowerCase())
  if ('subjectMatches' in c) return new RegExp(c.subjectMatches, 'i').test(facts.subject)
  if ('recipientDomains' in c) {
    const domains = new Set(c.recipientDomains.map((d) => d.toLowerCase()))
    return facts.recipients.some((r) => domains.has(domainOf(r)))
  }
  if ('recipientAddresses' in c) {
    const addresses = new Set(c.recipientAddresses.map((a) => a.toLowerCase()))
    return facts.recipients.some((r) => addresses.has(r.trim().toLowerCase()))
  }
  if ('bodyMatches' in c) return facts.body === undefined ? undefined : new RegExp(c.bodyMatches, 'i').test(facts.body)
  return facts.hasAttachments
}

export function ruleApplies(rule: PolicyRule, facts: PolicyFacts): boolean {
  return rule.when.every((c) => conditionHolds(c, facts) === true)
}

/** Every rule that applies to the message and what, together, they ask for. */
export function evaluatePolicy(policy: Policy, facts: PolicyFacts): PolicyOutcome {
  const out: PolicyOutcome = { matched: [], requireEncryption: [], requireSignature: [], sign: [], encryptWhenPossible: [], warnings: [] }
  for (const rule of policy.rules) {
    if (!ruleApplies(rule, facts)) continue
    out.matched.push(rule.name)
    for (const a of rule.then) {
      if (typeof a === 'object') out.warnings.push({ rule: rule.name, text: a.warn })
      else if (!out[a].includes(rule.name)) out[a].push(rule.name)
    }
  }
  return out
}

/** The domain of an address, lower-cased ('' when it has none). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@')
  return at < 0 ? '' : address.slice(at + 1).trim().toLowerCase()
}

// ---------------------------------------------------------------------------------------
// RFC 2047 encoded words, so a rule on "[secure]" matches "=?UTF-8?Q?=5Bsecure=5D?=".

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g

/**
 * Decodes the encoded words of an unstructured header field (RFC 2047 §§4-6): B and Q
 * encodings, any charset TextDecoder knows (unknown ones as ISO-8859-1), the language tag
 * of RFC 2231 ignored, white space between adjacent encoded words dropped (§6.2), and
 * adjacent words of one charset joined before decoding so a character split across two
 * words survives. Malformed words stay as written.
 */
export function decodeEncodedWords(value: string): string {
  let out = ''
  let last = 0
  let pending: { charset: string; bytes: number[] } | null = null
  const flush = () => {
    if (pending) out += decodeBytes(pending.charset, pending.bytes)
    pending = null
  }
  for (const m of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, m.index)
    const bytes = wordBytes(m[2]!, m[3]!)
    const charset = m[1]!.split('*')[0]!.toLowerCase()
    if (bytes === null) continue
    if (!(pending && /^[ \t\r\n]*$/.test(between))) {
      flush()
      out += between
    } else if (pending.charset !== charset) flush()
    const p: { charset: string; bytes: number[] } = pending ?? { charset, bytes: [] }
    p.bytes.push(...bytes)
    pending = p
    last = m.index + m[0].length
  }
  flush()
  return out + value.slice(last)
}

function wordBytes(encoding: string, text: string): number[] | null {
  if (encoding === 'Q' || encoding === 'q') {
    const bytes: number[] = []
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!
      if (ch === '_') bytes.push(0x20)
      else if (ch === '=') {
        const hex = text.slice(i + 1, i + 3)
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null
        bytes.push(parseInt(hex, 16))
        i += 2
      } else bytes.push(ch.charCodeAt(0) & 0xff)
    }
    return bytes
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) return null
  try {
    return Array.from(atob(text.padEnd(Math.ceil(text.length / 4) * 4, '=')), (c) => c.charCodeAt(0))
  } catch {
    return null
  }
}

function decodeBytes(charset: string, bytes: number[]): string {
  try {
    return new TextDecoder(charset).decode(new Uint8Array(bytes))
  } catch {
    return String.fromCharCode(...bytes)
  }
}
