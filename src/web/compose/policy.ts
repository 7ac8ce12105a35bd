/**
 * The organisation's policy as compose applies it (DESIGN.md, "Policy"): what the matcher
 * of src/contract/policy.ts decides for the message being written, turned into what the
 * window does. Pure: the store feeds it the fields and the recipients' certificates.
 *
 * - requireSignature / requireEncryption lock Sign / Encrypt on ("Required by policy: <rule>").
 * - sign turns Sign on (the user may untick it); encryptWhenPossible turns Encrypt on when
 *   every recipient has a certificate. Neither is enforced by the bridge.
 * - warn shows its text.
 * - A required encryption with a recipient who has no certificate blocks Send, naming the
 *   rule and the recipients: the message is never sent in clear.
 */
import { evaluatePolicy, PolicyRule, type Policy, type PolicyCondition } from '../../contract'
import { t } from '../i18n'

export interface ComposeFacts {
  subject: string
  recipients: string[]
  body: string
  hasAttachments: boolean
}

export interface ComposePolicy {
  /** The first rule that requires each, or null. */
  signRequiredBy: string | null
  encryptRequiredBy: string | null
  /** Soft actions: rules that turn Sign / Encrypt on. */
  signSuggestedBy: string | null
  encryptSuggestedBy: string | null
  warnings: { rule: string; text: string }[]
  /** Encryption is required and these recipients have no certificate: Send is blocked. */
  blocked: { rule: string; recipients: string[] } | null
}

export function applyPolicy(policy: Policy, facts: ComposeFacts, certificates: Record<string, boolean>): ComposePolicy {
  const out = evaluatePolicy(policy, facts)
  const encryptRequiredBy = out.requireEncryption[0] ?? null
  // Only recipients whose check is done and found nothing: "checking" is not "missing".
  const without = facts.recipients.filter((r) => certificates[r] === false)
  return {
    signRequiredBy: out.requireSignature[0] ?? null,
    encryptRequiredBy,
    signSuggestedBy: out.sign[0] ?? null,
    encryptSuggestedBy: out.encryptWhenPossible[0] ?? null,
    warnings: out.warnings,
    blocked: encryptRequiredBy && without.length ? { rule: encryptRequiredBy, recipients: without } : null,
  }
}

/** The sentence that explains why Send is blocked, in the app's language. */
export function blockedText(b: { rule: string; recipients: string[] }): string {
  return t('compose.blocked', { rule: b.rule, who: b.recipients.join(', ') }, b.recipients.length)
}

// ---------------------------------------------------------------------------------------
// Personal rules: the same shape, kept per account in this browser, applied after the
// organisation's. Rules only ever add requirements, so adding the user's rules to the
// organisation's can never remove one of the organisation's.

export function withPersonalRules(organisation: Policy, personal: readonly PolicyRule[]): Policy {
  return { rules: [...organisation.rules, ...personal] }
}

/** A new personal rule, checked like a policy file's; throws words when it is not acceptable. */
export function checkPersonalRule(input: unknown, organisation: Policy, personal: readonly PolicyRule[]): PolicyRule {
  const r = PolicyRule.safeParse(input)
  if (!r.success) throw new Error(r.error.issues.map((i) => i.message).join('; '))
  const name = r.data.name.toLowerCase()
  if (organisation.rules.some((x) => x.name.toLowerCase() === name)) throw new Error(t('policyWords.sameOrganisation', { name: r.data.name }))
  if (personal.some((x) => x.name.toLowerCase() === name)) throw new Error(t('policyWords.samePersonal', { name: r.data.name }))
  return r.data
}

// ---------------------------------------------------------------------------------------
// A rule in words (Security → Organisation policy), in the app's language

const quote = (s: string) => `“${s}”`
const list = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? '') : t('policyWords.or', { list: xs.slice(0, -1).join(', '), last: xs.at(-1) ?? '' }))

export function conditionWords(c: PolicyCondition): string {
  if ('always' in c) return t('policyWords.always')
  if ('subjectContains' in c) return t('policyWords.subjectContains', { value: quote(c.subjectContains) })
  if ('subjectMatches' in c) return t('policyWords.subjectMatches', { value: quote(c.subjectMatches) })
  if ('recipientDomains' in c) return t('policyWords.recipientDomains', { value: list(c.recipientDomains) })
  if ('recipientAddresses' in c) return t('policyWords.recipientAddresses', { value: list(c.recipientAddresses) })
  if ('bodyMatches' in c) return t('policyWords.bodyMatches', { value: quote(c.bodyMatches) })
  return t('policyWords.hasAttachments')
}

export function actionWords(a: PolicyRule['then'][number]): string {
  if (typeof a === 'object') return t('policyWords.warn', { value: quote(a.warn) })
  return t(`policyWords.${a}`)
}

/** "When the subject contains “[secure]” (any case): it must be encrypted." */
export function ruleWords(rule: PolicyRule): string {
  const when =
    rule.when.some((c) => 'always' in c) && rule.when.length === 1
      ? t('policyWords.forEvery')
      : t('policyWords.when', { conditions: rule.when.map(conditionWords).join(` ${t('policyWords.and')} `) })
  return t('policyWords.rule', { when, actions: rule.then.map(actionWords).join('; ') })
}
