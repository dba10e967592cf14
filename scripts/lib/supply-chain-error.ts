/*
 * The one error type of image signing and verification. `code` is stable and
 * machine-readable (tests and agents branch on it); `message` is the one-line
 * cause a human reads.
 */
export type SupplyChainErrorCode =
  | 'USAGE' // bad command line or image reference
  | 'IMAGE_NOT_FOUND' // the registry has no manifest for the reference
  | 'DIGEST_MISMATCH' // content or signature is about another digest
  | 'NO_OIDC_TOKEN' // keyless signing needs an OIDC identity token
  | 'SIGNING_FAILED' // Fulcio or Rekor refused or failed
  | 'REGISTRY_ERROR' // the registry answered something unexpected
  | 'TRUST_ROOT_ERROR' // the Sigstore trusted root cannot be read or fetched
  | 'NO_SIGNATURE' // no Sigstore bundle is attached to the image
  | 'INVALID_SIGNATURE' // a bundle is malformed or fails cryptographic verification (tampered)
  | 'IDENTITY_MISMATCH' // valid signature, but by someone else (issuer or subject)
  | 'NO_VALID_SIGNATURE' // several bundles, each rejected for a different reason

export class SupplyChainError extends Error {
  readonly code: SupplyChainErrorCode

  constructor(code: SupplyChainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SupplyChainError'
    this.code = code
  }
}

/** CLI epilogue shared by sign-image and verify-image: one line, non-zero exit. */
export function reportAndExit(error: unknown): never {
  if (error instanceof SupplyChainError) {
    console.error(`error [${error.code}]: ${error.message}`)
    process.exit(error.code === 'USAGE' ? 2 : 1)
  }
  console.error(`error [UNEXPECTED]: ${error instanceof Error ? error.stack : String(error)}`)
  process.exit(1)
}
