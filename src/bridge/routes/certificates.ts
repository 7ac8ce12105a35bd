/**
 * GET /api/certificates/enrolment and POST /api/certificates/enrol: the bridge as the
 * registration authority of the organisation's CA (DESIGN.md, "Certificates for
 * everyone"). The request is read and checked here (enrol/csr.ts, enrol/names.ts), signed
 * by the CA (enrol/cfssl.ts), and published in the directory when the bridge can write
 * there (enrol/publish.ts). The request's contents are never logged.
 */
import type { FastifyInstance } from 'fastify'
import { CSR_MAX_CHARS, EnrolRequest, routes, type EnrolmentInfo, type EnrolResponse } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { CfsslClient, checkCfsslAccepts } from '../enrol/cfssl'
import { readCsr } from '../enrol/csr'
import { EnrolLimits } from '../enrol/limit'
import { checkCsrNames } from '../enrol/names'
import { publishCertificate } from '../enrol/publish'
import { BridgeError } from '../errors'
import { sessionOf } from '../plugins/sessions'
import { parse } from '../validate'
import { define } from './define'

export function certificateRoutes(app: FastifyInstance, config: BridgeConfig): void {
  const ca = config.ca ? new CfsslClient(config.ca) : null
  const limits = new EnrolLimits(config.enrolLimit)

  define(app, routes.enrolment, async (): Promise<EnrolmentInfo> => (ca ? { available: true, ca: await ca.displayName() } : { available: false }))

  define(
    app,
    routes.enrol,
    async (request): Promise<EnrolResponse> => {
      const account = sessionOf(request).email
      if (!ca) throw new BridgeError('ca_not_configured', 'This server does not issue certificates. Import one from a PFX file instead.')
      const { csr: pem } = parse(EnrolRequest, request.body, 'certificate request')
      const csr = readCsr(pem)
      checkCsrNames(csr, account)
      checkCfsslAccepts(csr)
      // Counted only now: a request refused above never reaches the CA.
      const release = limits.take(account)
      let issued
      try {
        issued = await ca.sign(csr, account, request.log)
      } catch (e) {
        // Unreachable (503): nothing was signed. Too slow (504) may still have signed: it counts.
        if (e instanceof BridgeError && e.code === 'ca_unavailable' && e.status === 503) release()
        throw e
      }
      const published = await publishCertificate(config.directory, account, issued.certificate, request.log)
      request.log.info({ profile: issued.profile, serial: issued.serial, published }, 'certificate issued')
      return { certificate: issued.certificate.toString('base64'), chain: issued.chain.map((c) => c.toString('base64')), published }
    },
    // The PEM in JSON, with room for escaping.
    { bodyLimit: 2 * CSR_MAX_CHARS + 1024 },
  )
}
