/** GET /api/policy: the organisation's rules as validated at start (POLICY_FILE; none when unset). */
import type { FastifyInstance } from 'fastify'
import { routes, type PolicyResponse } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { define } from './define'

export function policyRoutes(app: FastifyInstance, config: BridgeConfig): void {
  define(app, routes.policy, async (): Promise<PolicyResponse> => config.policy)
}
