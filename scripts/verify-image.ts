/*
 * Verify that an image digest carries a Sigstore signature by the expected
 * identity (format: see scripts/lib/image-signing.ts, docs/ci.md).
 *
 *   npm run verify-image -- ghcr.io/owner/app@sha256:<hex> \
 *     --certificate-identity https://github.com/owner/app/.github/workflows/backend-ci.yml@refs/heads/main \
 *     [--certificate-oidc-issuer https://token.actions.githubusercontent.com]
 *     [--trusted-root trusted_root.json]
 *
 * The identity is compared verbatim (use --certificate-identity-regexp for a
 * pattern that must match the whole identity). Without --trusted-root the
 * public Sigstore trusted root is fetched via TUF.
 */
import { parseArgs } from 'node:util'
import { GITHUB_ACTIONS_ISSUER, verifyImage } from './lib/image-signing.ts'
import { reportAndExit, SupplyChainError } from './lib/supply-chain-error.ts'

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'certificate-identity': { type: 'string' },
      'certificate-identity-regexp': { type: 'string' },
      'certificate-oidc-issuer': { type: 'string', default: GITHUB_ACTIONS_ISSUER },
      'trusted-root': { type: 'string', default: process.env.SIGSTORE_TRUSTED_ROOT },
      'json': { type: 'boolean', default: false },
    },
  })
  if (positionals.length !== 1) {
    throw new SupplyChainError(
      'USAGE',
      'usage: verify-image <registry/name@sha256:digest> --certificate-identity ' +
        'URI [--certificate-oidc-issuer URL] [--trusted-root FILE] [--json]'
    )
  }
  const result = await verifyImage({
    image: positionals[0],
    expected: {
      issuer: values['certificate-oidc-issuer']!,
      identity: values['certificate-identity'],
      identityRegExp: values['certificate-identity-regexp'],
    },
    trustedRootPath: values['trusted-root'],
    log: (line) => console.error(`verify-image: ${line}`),
  })
  console.log(
    values.json
      ? JSON.stringify(result)
      : `verified ${result.image}@${result.digest}: signed ` +
          `by ${result.identity} (issuer ${result.issuer}), Rekor ` +
          `log index ${result.logIndex} at ${result.integratedTime}`
  )
} catch (error) {
  reportAndExit(
    error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? new SupplyChainError('USAGE', error.message)
      : error
  )
}
