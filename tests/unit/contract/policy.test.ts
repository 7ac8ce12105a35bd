import { describe, expect, it } from 'vitest'
import {
  decodeEncodedWords,
  describePolicyError,
  evaluatePolicy,
  Policy,
  POLICY_ACTIONS,
  type PolicyAction,
  type PolicyCondition,
  type PolicyFacts,
} from '../../../src/contract/policy'

const facts = (o: Partial<PolicyFacts> = {}): PolicyFacts => ({ subject: 'Hello', recipients: ['bob@example.com'], ...o })

/** Each condition with a message it matches and one it does not. */
const CONDITIONS: { name: string; when: unknown; yes: PolicyFacts; no: PolicyFacts }[] = [
  { name: 'subjectContains', when: { subjectContains: '[secure]' }, yes: facts({ subject: 'Re: [SeCuRe] numbers' }), no: facts({ subject: 'secure numbers' }) },
  { name: 'subjectMatches', when: { subjectMatches: '^invoice \\d+$' }, yes: facts({ subject: 'INVOICE 42' }), no: facts({ subject: 'invoice 42 draft' }) },
  { name: 'recipientDomains', when: { recipientDomains: ['Example.org'] }, yes: facts({ recipients: ['a@example.com', 'Quentin@EXAMPLE.ORG'] }), no: facts({ recipients: ['a@sub.example.org', 'example.org@x.test'] }) },
  { name: 'recipientAddresses', when: { recipientAddresses: ['Legal@Example.com'] }, yes: facts({ recipients: ['x@y.test', 'legal@example.com'] }), no: facts({ recipients: ['legal2@example.com'] }) },
  { name: 'bodyMatches', when: { bodyMatches: '\\b(?:\\d[ -]?){13,16}\\b' }, yes: facts({ body: 'card 4111 1111 1111 1111 ok' }), no: facts({ body: 'call 555-1234' }) },
  { name: 'hasAttachments', when: { hasAttachments: true }, yes: facts({ hasAttachments: true }), no: facts({ hasAttachments: false }) },
  { name: 'always', when: { always: true }, yes: facts(), no: facts() },
]

const ACTIONS: { action: PolicyAction; key: keyof ReturnType<typeof evaluatePolicy> }[] = [
  ...POLICY_ACTIONS.map((a) => ({ action: a, key: a })),
  { action: { warn: 'Mind the card numbers.' }, key: 'warnings' },
]

describe('policy matching: every condition × every action', () => {
  for (const c of CONDITIONS) {
    for (const { action, key } of ACTIONS) {
      it(`${c.name} → ${typeof action === 'string' ? action : 'warn'}`, () => {
        const policy = Policy.parse({ rules: [{ name: 'R', when: [c.when], then: [action] }] })
        const yes = evaluatePolicy(policy, c.yes)
        expect(yes.matched).toEqual(['R'])
        if (key === 'warnings') expect(yes.warnings).toEqual([{ rule: 'R', text: 'Mind the card numbers.' }])
        else expect(yes[key]).toEqual(['R'])
        for (const other of ACTIONS.filter((a) => a.key !== key)) expect(yes[other.key]).toEqual([])
        const no = evaluatePolicy(policy, c.no)
        if (c.name === 'always') expect(no.matched).toEqual(['R'])
        else expect(no).toEqual({ matched: [], requireEncryption: [], requireSignature: [], sign: [], encryptWhenPossible: [], warnings: [] })
      })
    }
  }
})

describe('policy matching: what is unknown does not match', () => {
  it('a body or attachment condition does not apply where the body cannot be seen (the bridge)', () => {
    const policy = Policy.parse({
      rules: [
        { name: 'Cards', when: [{ bodyMatches: '\\d{16}' }], then: ['requireEncryption'] },
        { name: 'Files', when: [{ hasAttachments: true }], then: ['requireSignature'] },
      ],
    })
    expect(evaluatePolicy(policy, facts()).matched).toEqual([])
    expect(evaluatePolicy(policy, facts({ body: '1234123412341234', hasAttachments: true })).matched).toEqual(['Cards', 'Files'])
  })
})

describe('policy matching: several rules and conditions', () => {
  const policy = Policy.parse({
    rules: [
      { name: 'Secure subject', when: [{ subjectContains: '[secure]' }], then: ['requireEncryption'] },
      { name: 'Partners sign', when: [{ recipientDomains: ['example.org'] }], then: ['sign'] },
      { name: 'Legal', when: [{ recipientAddresses: ['legal@example.com'] }, { hasAttachments: true }], then: ['requireSignature', { warn: 'Legal keeps a copy.' }, 'encryptWhenPossible'] },
      { name: 'Everyone', when: [{ always: true }], then: ['sign'] },
    ],
  })

  it('collects every rule that applies, in file order, each action naming its rules', () => {
    const out = evaluatePolicy(policy, { subject: '[SECURE] contract', recipients: ['quentin@example.org', 'legal@example.com'], hasAttachments: true, body: '' })
    expect(out.matched).toEqual(['Secure subject', 'Partners sign', 'Legal', 'Everyone'])
    expect(out.requireEncryption).toEqual(['Secure subject'])
    expect(out.sign).toEqual(['Partners sign', 'Everyone'])
    expect(out.requireSignature).toEqual(['Legal'])
    expect(out.encryptWhenPossible).toEqual(['Legal'])
    expect(out.warnings).toEqual([{ rule: 'Legal', text: 'Legal keeps a copy.' }])
  })

  it('a rule needs all its conditions', () => {
    const out = evaluatePolicy(policy, { subject: 'x', recipients: ['legal@example.com'], hasAttachments: false })
    expect(out.matched).toEqual(['Everyone'])
  })
})

describe('RFC 2047 encoded-word subjects', () => {
  it.each([
    ['=?UTF-8?Q?=5Bsecure=5D_numbers?=', '[secure] numbers'],
    ['=?utf-8?B?W1NFQ1VSRV0gbnVtYmVycw==?=', '[SECURE] numbers'],
    ['Re: =?ISO-8859-1?Q?=5Bsecure=5D?= caf=?ISO-8859-1?Q?=E9?=', 'Re: [secure] café'],
    // Adjacent words: the space between them goes (§6.2); a character split across two words survives.
    ['=?UTF-8?B?W3NlY3VyZV0g?= =?UTF-8?B?w6k=?=', '[secure] é'],
    ['=?UTF-8?Q?=E2=82?= =?UTF-8?Q?=AC?=', '€'],
    ['=?UTF-8*en?Q?=5Bsecure=5D?=', '[secure]'],
    ['plain [secure]', 'plain [secure]'],
    ['=?UTF-8?Q?bad=Z?= stays', '=?UTF-8?Q?bad=Z?= stays'],
  ])('%s', (raw, decoded) => {
    expect(decodeEncodedWords(raw)).toBe(decoded)
  })

  it('an encoded "[secure]" matches the Secure subject rule', () => {
    const policy = Policy.parse({ rules: [{ name: 'Secure subject', when: [{ subjectContains: '[secure]' }], then: ['requireEncryption'] }] })
    expect(evaluatePolicy(policy, facts({ subject: decodeEncodedWords('=?UTF-8?B?W1NlQ3VyZV0gbnVtYmVycw==?=') })).requireEncryption).toEqual(['Secure subject'])
  })
})

describe('policy file errors name the rule and what is wrong', () => {
  const problem = (input: unknown) => {
    const r = Policy.safeParse(input)
    expect(r.success).toBe(false)
    return describePolicyError(r.error!, input)
  }

  it.each<[string, unknown, RegExp]>([
    ['a bad regular expression', { rules: [{ name: 'Invoices', when: [{ subjectMatches: 'invoice (' }], then: ['sign'] }] }, /rule "Invoices" \(when\.0\.subjectMatches\): not a valid regular expression/],
    ['an unknown condition', { rules: [{ name: 'Odd', when: [{ subjectStarts: 'x' }], then: ['sign'] }] }, /rule "Odd" \(when\.0\): unknown condition/],
    ['an unknown action', { rules: [{ name: 'Odd', when: [{ always: true }], then: ['shred'] }] }, /rule "Odd" \(then\.0\): unknown action/],
    ['no conditions', { rules: [{ name: 'Empty', when: [], then: ['sign'] }] }, /rule "Empty" \(when\): a rule needs at least one condition/],
    ['no name', { rules: [{ when: [{ always: true }], then: ['sign'] }] }, /rule 1 \(it has no name\) \(name\)/],
    ['a bad domain', { rules: [{ name: 'Partners', when: [{ recipientDomains: ['not a domain'] }], then: ['sign'] }] }, /rule "Partners" \(when\.0\.recipientDomains\.0\): not a domain name/],
    ['an empty warning', { rules: [{ name: 'W', when: [{ always: true }], then: [{ warn: ' ' }] }] }, /rule "W" \(then\.0\.warn\): the warning has no text/],
    ['a duplicate name', { rules: [{ name: 'A', when: [{ always: true }], then: ['sign'] }, { name: 'a', when: [{ always: true }], then: ['sign'] }] }, /rule "a" \(name\): another rule has the same name/],
    ['an unknown field of a rule', { rules: [{ name: 'A', when: [{ always: true }], then: ['sign'], priority: 1 }] }, /rule "A": unknown field "priority"/],
  ])('%s', (_, input, message) => {
    expect(problem(input)).toMatch(message)
  })

  it('keeps domains and addresses in lower case, a leading @ dropped', () => {
    const p = Policy.parse({ rules: [{ name: 'P', when: [{ recipientDomains: ['@Example.ORG'] }, { recipientAddresses: ['A@B.test'] }], then: ['sign'] }] })
    expect(p.rules[0]!.when).toEqual([{ recipientDomains: ['example.org'] }, { recipientAddresses: ['a@b.test'] }] satisfies PolicyCondition[])
  })
})
