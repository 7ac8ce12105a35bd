/**
 * POLICY_FILE: the organisation's rules (src/contract/policy.ts), JSON or YAML, read and
 * validated once at start. An invalid file stops the bridge with a message naming the
 * rule and what is wrong: a policy that silently lost a rule would send mail in clear.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { describePolicyError, Policy } from '../../contract/index'

export function loadPolicyFile(path: string): Policy {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new Error(`POLICY_FILE ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Fix the path or unset POLICY_FILE.`, { cause: e })
  }
  return parsePolicy(text, path)
}

/** JSON is YAML 1.2, so one parser reads both; `source` names the file in messages. */
export function parsePolicy(text: string, source = 'POLICY_FILE'): Policy {
  let data: unknown
  try {
    data = parseYaml(text, { prettyErrors: true, uniqueKeys: true })
  } catch (e) {
    throw new Error(`The policy file ${source} is not valid JSON or YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e })
  }
  const result = Policy.safeParse(data ?? { rules: [] })
  if (!result.success) throw new Error(`The policy file ${source} is invalid: ${describePolicyError(result.error, data)}. The bridge does not start with a policy it cannot apply.`)
  return result.data
}
