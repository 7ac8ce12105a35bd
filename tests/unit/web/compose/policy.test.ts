import { describe, expect, it } from 'vitest'
import { Policy } from '../../../../src/contract'
import { applyPolicy, blockedText, checkPersonalRule, ruleWords, withPersonalRules } from '../../../../src/web/compose/policy'

const DEMO = Policy.parse({
  rules: [
    { name: 'Secure subject', when: [{ subjectContains: '[secure]' }], then: ['requireEncryption'] },
    { name: 'Partners sign', when: [{ recipientDomains: ['example.org'] }], then: ['sign'] },
    { name: 'Legal', when: [{ recipientAddresses: ['legal@example.com'] }], then: ['requireSignature', 'encryptWhenPossible'] },
    { name: 'Cards', when: [{ bodyMatches: '\\b\\d{4}( ?\\d{4}){3}\\b' }, { hasAttachments: true }], then: [{ warn: 'Card numbers go in the vault, not in mail.' }] },
  ],
})
const facts = (o: Partial<Parameters<typeof applyPolicy>[1]> = {}) => ({ subject: '', recipients: ['bob@example.com'], body: '', hasAttachments: false, ...o })

describe('compose under the policy', () => {
  it('a "[secure]" subject, any case, requires encryption; Send is blocked only for recipients known to have no certificate', () => {
    const checking = applyPolicy(DEMO, facts({ subject: 'Re: [SECURE] pay', recipients: ['bob@example.com', 'dave@example.com'] }), {})
    expect(checking).toMatchObject({ encryptRequiredBy: 'Secure subject', signRequiredBy: null, blocked: null })
    const p = applyPolicy(DEMO, facts({ subject: 'Re: [SECURE] pay', recipients: ['bob@example.com', 'dave@example.com'] }), { 'bob@example.com': true, 'dave@example.com': false })
    expect(p.blocked).toEqual({ rule: 'Secure subject', recipients: ['dave@example.com'] })
    expect(blockedText(p.blocked!)).toMatch(/^Required by policy: Secure subject\. .*no certificate for dave@example\.com.*will not be sent unencrypted/)
    expect(applyPolicy(DEMO, facts({ subject: 'secure pay' }), { 'bob@example.com': false }).encryptRequiredBy).toBe(null)
  })

  it('sign and encryptWhenPossible suggest; requireSignature requires', () => {
    const p = applyPolicy(DEMO, facts({ recipients: ['quentin@example.org', 'legal@example.com'] }), {})
    expect(p).toMatchObject({ signSuggestedBy: 'Partners sign', signRequiredBy: 'Legal', encryptSuggestedBy: 'Legal', encryptRequiredBy: null, blocked: null })
  })

  it('a warn rule needs all its conditions, body and attachments included', () => {
    expect(applyPolicy(DEMO, facts({ body: 'card 4111 1111 1111 1111' }), {}).warnings).toEqual([])
    expect(applyPolicy(DEMO, facts({ body: 'card 4111 1111 1111 1111', hasAttachments: true }), {}).warnings).toEqual([{ rule: 'Cards', text: 'Card numbers go in the vault, not in mail.' }])
  })
})

describe('rules in words (Security → Organisation policy)', () => {
  it.each([
    [0, 'When the subject contains “[secure]” (any case): it must be encrypted.'],
    [1, 'When any recipient is at example.org: sign it.'],
    [2, 'When any recipient is legal@example.com: it must be signed; encrypt it when every recipient has a certificate.'],
    [3, 'When the text matches the pattern “\\b\\d{4}( ?\\d{4}){3}\\b” and the message has attachments: show the warning “Card numbers go in the vault, not in mail.”.'],
  ])('rule %i', (i, words) => {
    expect(ruleWords(DEMO.rules[i]!)).toBe(words)
  })

  it('always, and lists of domains', () => {
    const p = Policy.parse({ rules: [{ name: 'All', when: [{ always: true }], then: ['sign'] }, { name: 'P', when: [{ recipientDomains: ['a.test', 'b.test', 'c.test'] }], then: ['requireSignature'] }] })
    expect(ruleWords(p.rules[0]!)).toBe('For every message: sign it.')
    expect(ruleWords(p.rules[1]!)).toBe('When any recipient is at a.test, b.test or c.test: it must be signed.')
  })
})

describe('personal rules', () => {
  const mine = checkPersonalRule({ name: 'Board', when: [{ recipientAddresses: ['Board@example.com'] }], then: ['requireEncryption'] }, DEMO, [])

  it('add requirements on top of the organisation\'s, and never remove one', () => {
    const merged = withPersonalRules(DEMO, [mine])
    expect(merged.rules.map((r) => r.name)).toEqual(['Secure subject', 'Partners sign', 'Legal', 'Cards', 'Board'])
    expect(applyPolicy(merged, facts({ recipients: ['board@example.com'] }), {}).encryptRequiredBy).toBe('Board')
    // A personal rule that asks for less (sign only) does not lift the organisation's requirement.
    const lax = checkPersonalRule({ name: 'Lax', when: [{ always: true }], then: ['sign'] }, DEMO, [mine])
    expect(applyPolicy(withPersonalRules(DEMO, [mine, lax]), facts({ subject: '[secure] x' }), {}).encryptRequiredBy).toBe('Secure subject')
  })

  it('are checked like a policy file, with names of their own', () => {
    expect(() => checkPersonalRule({ name: 'secure SUBJECT', when: [{ always: true }], then: ['sign'] }, DEMO, [])).toThrow(/organisation already has a rule named/)
    expect(() => checkPersonalRule({ name: 'board', when: [{ always: true }], then: ['sign'] }, DEMO, [mine])).toThrow(/already have a rule named/)
    expect(() => checkPersonalRule({ name: 'Bad', when: [{ subjectMatches: '(' }], then: ['sign'] }, DEMO, [])).toThrow(/not a valid regular expression/)
    expect(() => checkPersonalRule({ name: '', when: [{ always: true }], then: ['sign'] }, DEMO, [])).toThrow(/no name/)
  })
})
