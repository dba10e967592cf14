/*
 * Keyless-sign an image digest and attach the Sigstore bundle to the image in
 * its registry (format: see scripts/lib/image-signing.ts, docs/ci.md).
 *
 *   npm run sign-image -- ghcr.io/owner/app@sha256:<hex>
 *     [--fulcio-url URL] [--rekor-url URL] [--bundle-out FILE]
 *
 * Identity: SIGSTORE_ID_TOKEN, else the GitHub Actions OIDC token (job needs
 * `permissions: id-token: write`). Registry credentials: OCI_REGISTRY_USERNAME /
 * OCI_REGISTRY_PASSWORD for the registry named by OCI_REGISTRY only, else
 * ~/.docker/config.json (token realms: see realmRefusal in lib/oci-registry.ts). Endpoints default
 * to the public Sigstore instance; SIGSTORE_FULCIO_URL / SIGSTORE_REKOR_URL also work.
 */
import { parseArgs } from 'node:util'
import { signImage } from './lib/image-signing.ts'
import { reportAndExit, SupplyChainError } from './lib/supply-chain-error.ts'

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'fulcio-url': { type: 'string', default: process.env.SIGSTORE_FULCIO_URL },
      'rekor-url': { type: 'string', default: process.env.SIGSTORE_REKOR_URL },
      'bundle-out': { type: 'string' },
      'json': { type: 'boolean', default: false },
    },
  })
  if (positionals.length !== 1)
    throw new SupplyChainError(
      'USAGE',
      'usage: sign-image <registry/name@sha256:digest> ' +
        '[--fulcio-url URL] [--rekor-url URL] [--bundle-out FILE] [--json]'
    )
  const result = await signImage({
    image: positionals[0],
    fulcioURL: values['fulcio-url'],
    rekorURL: values['rekor-url'],
    bundleOut: values['bundle-out'],
    log: (line) => console.error(`sign-image: ${line}`),
  })
  console.log(
    values.json
      ? JSON.stringify(result)
      : `signed ${result.image}@${result.digest} as ${result.identity} ` +
          `(bundle ${result.bundleDigest}, Rekor log index ${result.logIndex})`
  )
} catch (error) {
  reportAndExit(
    error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? new SupplyChainError('USAGE', error.message)
      : error
  )
}
