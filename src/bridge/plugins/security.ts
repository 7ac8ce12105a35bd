/**
 * Security headers (helmet): a CSP with no inline or remote scripts, no framing of the
 * app (frame-ancestors 'none'), nosniff, no referrer. Images may come from http(s) only
 * because the reading pane offers "Load remote content"; the app blocks them by default,
 * and scripts can never load from anywhere but the app itself.
 */
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import type { BridgeConfig } from '../config'

/** One year, the value browsers' preload lists ask for; subdomains too (RFC 6797 §6.1). */
export const HSTS = 'max-age=31536000; includeSubDomains'

export async function registerSecurityHeaders(app: FastifyInstance, config: Pick<BridgeConfig, 'https'>): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:', 'https:', 'http:'],
        'media-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'worker-src': ["'self'", 'blob:'],
        'frame-src': ["'self'", 'blob:', 'data:'],
        'child-src': ["'self'", 'blob:'],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // helmet would send HSTS on plain http too, where browsers ignore it (RFC 6797 §8.1):
    // it goes out below exactly when this request came over TLS.
    hsts: false,
  })
  // Over TLS (HTTPS_CERT, or https as a trusted proxy reports it): browsers then refuse
  // plain http to this host, so a network attacker cannot strip TLS from the next visit.
  app.addHook('onSend', async (request, reply) => {
    if (config.https !== null || request.protocol === 'https') reply.header('strict-transport-security', HSTS)
  })
}
