/*
 * Keyless image signing and verification with sigstore-js, in the format that
 * cosign v3 writes and verifies (`cosign verify`, Sigstore bundle format):
 *   - the signed payload is an in-toto Statement v1 whose subject is the image
 *     manifest digest, predicateType https://sigstore.dev/cosign/sign/v1, in a
 *     DSSE envelope; the certificate comes from Fulcio (OIDC identity), the
 *     entry from Rekor;
 *   - the Sigstore bundle (application/vnd.dev.sigstore.bundle.v0.3+json) is
 *     attached to the image as an OCI 1.1 referrer (an artifact manifest with
 *     `subject` = the image), listed by the referrers API or, on registries
 *     without it, by the referrers tag `sha256-<hex>` (cosign's BUNDLE_SPEC).
 * Verification accepts an image when at least one attached bundle verifies
 * against the trusted root, names this exact digest, and was signed by exactly
 * the expected identity (issuer + certificate subject, compared verbatim).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { attachArtifactToImage } from '@sigstore/oci'
import { bundleFromJSON, type SerializedBundle } from '@sigstore/bundle'
import { TrustedRoot } from '@sigstore/protobuf-specs'
import { getTrustedRoot } from '@sigstore/tuf'
import { toSignedEntity, toTrustMaterial, Verifier, type Signer } from '@sigstore/verify'
import { attest } from 'sigstore'
import {
  parseImageRef,
  RegistryClient,
  registryCredentials,
  type Descriptor,
  type ImageRef,
} from './oci-registry.ts'
import { SupplyChainError, type SupplyChainErrorCode } from './supply-chain-error.ts'

const PUBLIC_FULCIO_URL = 'https://fulcio.sigstore.dev'
const PUBLIC_REKOR_URL = 'https://rekor.sigstore.dev'
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com'
const SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1'
const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1'
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json'
const BUNDLE_MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.bundle/

// ---------------------------------------------------------------- OIDC token

/** Decoded (not verified: Fulcio verifies it) claims of an OIDC token, for messages. */
function tokenClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1]
  try {
    return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'))
  } catch {
    throw new SupplyChainError(
      'NO_OIDC_TOKEN',
      'the OIDC token is not a JWT (expected header.payload.signature)'
    )
  }
}

/**
 * The identity token keyless signing exchanges for a certificate: SIGSTORE_ID_TOKEN
 * if set (any issuer Fulcio trusts), else the GitHub Actions token requested with
 * audience "sigstore" (needs `permissions: id-token: write` on the job).
 */
async function oidcToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.SIGSTORE_ID_TOKEN) {
    tokenClaims(env.SIGSTORE_ID_TOKEN)
    return env.SIGSTORE_ID_TOKEN
  }
  const { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: bearer } = env
  if (!url || !bearer) {
    throw new SupplyChainError(
      'NO_OIDC_TOKEN',
      'no OIDC token available: in GitHub Actions give the job `permissions: id-token: write` ' +
        '(ACTIONS_ID_TOKEN_REQUEST_URL is unset); elsewhere export SIGSTORE_ID_TOKEN'
    )
  }
  const request = new URL(url)
  request.searchParams.set('audience', 'sigstore')
  const response = await fetch(request, {
    headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
  })
  if (!response.ok) {
    throw new SupplyChainError(
      'NO_OIDC_TOKEN',
      `GitHub Actions refused an OIDC token: HTTP ${response.status}`
    )
  }
  const { value } = (await response.json()) as { value?: string }
  if (!value) throw new SupplyChainError('NO_OIDC_TOKEN', 'GitHub Actions returned no OIDC token')
  tokenClaims(value)
  return value
}

// ---------------------------------------------------------------- signing

export type SignOptions = {
  image: string // registry/name@sha256:…
  fulcioURL?: string
  rekorURL?: string
  bundleOut?: string // also write the bundle to this file
  env?: NodeJS.ProcessEnv
  log?: (line: string) => void
}

export type SignResult = {
  image: string
  digest: string
  bundleDigest: string
  identity: string
  issuer: string
  logIndex: string
}

/** The statement an image signature signs: "this digest of this repository". */
function imageStatement(ref: ImageRef, digest: string): Buffer {
  const statement = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: ref.name, digest: { sha256: digest.slice('sha256:'.length) } }],
    predicateType: SIGN_PREDICATE_TYPE,
    predicate: {},
  }
  return Buffer.from(JSON.stringify(statement))
}

export async function signImage(options: SignOptions): Promise<SignResult> {
  const log = options.log ?? (() => {})
  const ref = parseImageRef(options.image)
  if (!ref.digest) {
    throw new SupplyChainError(
      'USAGE',
      `sign a digest, not a tag: "${options.image}" (a tag can move between resolving and signing)`
    )
  }
  const token = await oidcToken(options.env)
  const claims = tokenClaims(token)
  log(`identity token from ${claims.iss} for ${claims.sub}`)

  const credentials = registryCredentials(ref)
  const client = new RegistryClient(ref, credentials)
  const manifest = await client.manifest(ref.digest)
  log(`image ${ref.name}@${manifest.digest} found (${manifest.mediaType})`)
  await client.checkPushRealm()

  let bundle: SerializedBundle
  try {
    bundle = await attest(imageStatement(ref, manifest.digest), IN_TOTO_PAYLOAD_TYPE, {
      fulcioURL: options.fulcioURL ?? PUBLIC_FULCIO_URL,
      rekorURL: options.rekorURL ?? PUBLIC_REKOR_URL,
      identityProvider: { getToken: async () => token },
    })
  } catch (error) {
    throw new SupplyChainError('SIGNING_FAILED', `keyless signing failed: ${describe(error)}`, {
      cause: error,
    })
  }
  const signer = certificateIdentity(bundle)
  const logIndex = bundle.verificationMaterial.tlogEntries[0]?.logIndex ?? '?'
  log(`signed by ${signer.identity} (issuer ${signer.issuer}); Rekor log index ${logIndex}`)
  const bytes = Buffer.from(JSON.stringify(bundle))
  if (options.bundleOut) await writeFile(options.bundleOut, bytes)

  let attached: { digest: string }
  try {
    attached = await attachArtifactToImage({
      artifact: bytes,
      mediaType: bundle.mediaType,
      imageName: ref.name,
      imageDigest: manifest.digest,
      credentials: credentials as { username: string; password: string },
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': SIGN_PREDICATE_TYPE,
      },
    })
  } catch (error) {
    throw new SupplyChainError(
      'REGISTRY_ERROR',
      `attaching the bundle to ${ref.name} failed: ${describe(error)}`,
      { cause: error }
    )
  }
  log(`bundle attached to ${ref.name}@${manifest.digest} as referrer ${attached.digest}`)
  return {
    image: ref.name,
    digest: manifest.digest,
    bundleDigest: attached.digest,
    ...signer,
    logIndex,
  }
}

/** The SAN and issuer the certificate in a bundle carries (read, not trusted). */
function certificateIdentity(bundle: SerializedBundle): { identity: string; issuer: string } {
  const entity = toSignedEntity(bundleFromJSON(bundle))
  if (entity.key.$case !== 'certificate') return { identity: '?', issuer: '?' }
  const cert = entity.key.certificate
  const issuer =
    cert.extension('1.3.6.1.4.1.57264.1.8')?.valueObj.subs?.[0]?.value.toString('ascii') ??
    cert.extension('1.3.6.1.4.1.57264.1.1')?.value.toString('ascii') ??
    '?'
  return { identity: cert.subjectAltName ?? '?', issuer }
}

// ---------------------------------------------------------------- verification

export type ExpectedIdentity = {
  issuer: string
  // exact certificate SAN, e.g. https://github.com/o/r/.github/workflows/x.yml@refs/heads/main
  identity?: string
  identityRegExp?: string // or a pattern the whole SAN must match
}

export type VerifyOptions = {
  image: string // registry/name@sha256:… (or :tag, resolved and reported)
  expected: ExpectedIdentity
  trustedRootPath?: string // trusted_root.json; default: the public-good root via TUF
  log?: (line: string) => void
}

export type VerifyResult = {
  image: string
  digest: string
  bundleDigest: string
  identity: string
  issuer: string
  logIndex: string
  integratedTime: string
}

type Verdict =
  { ok: true; result: VerifyResult } | { ok: false; bundleDigest: string; error: SupplyChainError }

export async function verifyImage(options: VerifyOptions): Promise<VerifyResult> {
  const log = options.log ?? (() => {})
  if (!options.expected.identity && !options.expected.identityRegExp) {
    throw new SupplyChainError(
      'USAGE',
      'say whose signature to accept: --certificate-identity (or --certificate-identity-regexp)'
    )
  }
  const ref = parseImageRef(options.image)
  const client = new RegistryClient(ref, registryCredentials(ref))
  const manifest = await client.manifest(ref.digest ?? ref.tag!)
  if (!ref.digest) log(`${ref.name}:${ref.tag} resolves to ${manifest.digest}`)

  const attached = await client.referrers(manifest.digest)
  const referrers = attached.filter(isBundleDescriptor)
  if (referrers.length === 0) {
    throw new SupplyChainError(
      'NO_SIGNATURE',
      `no Sigstore bundle is attached to ${ref.name}@${manifest.digest} (the image is not signed)`
    )
  }
  log(`${referrers.length} Sigstore bundle(s) attached to ${ref.name}@${manifest.digest}`)
  const verifier = new Verifier(toTrustMaterial(await trustedRoot(options.trustedRootPath)))

  const verdicts: Verdict[] = []
  for (const descriptor of referrers) {
    const verdict = await verifyReferrer(
      client,
      descriptor,
      manifest.digest,
      options.expected,
      verifier
    )
    if (verdict.ok) return verdict.result
    log(`bundle ${descriptor.digest} rejected: [${verdict.error.code}] ${verdict.error.message}`)
    verdicts.push(verdict)
  }
  const failures = verdicts.filter((v): v is Extract<Verdict, { ok: false }> => !v.ok)
  const codes = new Set(failures.map((f) => f.error.code))
  const code: SupplyChainErrorCode =
    codes.size === 1 ? failures[0].error.code : 'NO_VALID_SIGNATURE'
  const reasons = failures.map((f) =>
    failures.length === 1 ? f.error.message : `bundle ${f.bundleDigest}: ${f.error.message}`
  )
  throw new SupplyChainError(
    code,
    `${ref.name}@${manifest.digest} has no acceptable signature: ${reasons.join('; ')}`
  )
}

function isBundleDescriptor(descriptor: Descriptor): boolean {
  return BUNDLE_MEDIA_TYPE.test(descriptor.artifactType ?? '')
}

async function verifyReferrer(
  client: RegistryClient,
  descriptor: Descriptor,
  digest: string,
  expected: ExpectedIdentity,
  verifier: Verifier
): Promise<Verdict> {
  try {
    const manifest = await client.manifest(descriptor.digest)
    const layer = (manifest.json.layers ?? [])[0] as Descriptor | undefined
    if (!layer || !BUNDLE_MEDIA_TYPE.test(layer.mediaType)) {
      throw new SupplyChainError(
        'INVALID_SIGNATURE',
        `referrer ${descriptor.digest} holds no Sigstore bundle layer`
      )
    }
    if (manifest.json.subject?.digest !== digest) {
      throw new SupplyChainError(
        'DIGEST_MISMATCH',
        `referrer ${descriptor.digest} is attached ` +
          `to ${manifest.json.subject?.digest}, not ${digest}`
      )
    }
    const bytes = await client.blob(layer.digest)
    const result = verifyBundle(bytes, digest, expected, verifier)
    return {
      ok: true,
      result: { image: client.ref.name, digest, bundleDigest: descriptor.digest, ...result },
    }
  } catch (error) {
    if (!(error instanceof SupplyChainError)) throw error
    return { ok: false, bundleDigest: descriptor.digest, error }
  }
}

/**
 * Checks one bundle, in this order: it is well-formed and cryptographically
 * valid (certificate chain to the trusted CA, SCT, Rekor entry, signature),
 * it signs exactly `digest`, and its signer is the expected identity.
 */
function verifyBundle(
  bytes: Buffer,
  digest: string,
  expected: ExpectedIdentity,
  verifier: Verifier
): Omit<VerifyResult, 'image' | 'digest' | 'bundleDigest'> {
  let signer: Signer
  let bundle: ReturnType<typeof bundleFromJSON>
  try {
    bundle = bundleFromJSON(JSON.parse(bytes.toString('utf8')))
    signer = verifier.verify(toSignedEntity(bundle))
  } catch (error) {
    throw new SupplyChainError(
      'INVALID_SIGNATURE',
      'bundle does not verify (tampered or not from the ' +
        `trusted Sigstore instance): ${describe(error)}`,
      {
        cause: error,
      }
    )
  }
  if (
    bundle.content.$case !== 'dsseEnvelope' ||
    bundle.content.dsseEnvelope.payloadType !== IN_TOTO_PAYLOAD_TYPE
  ) {
    throw new SupplyChainError(
      'INVALID_SIGNATURE',
      'bundle does not carry an in-toto statement (not an image signature)'
    )
  }
  const statement = JSON.parse(bundle.content.dsseEnvelope.payload.toString('utf8'))
  if (statement.predicateType !== SIGN_PREDICATE_TYPE) {
    throw new SupplyChainError(
      'INVALID_SIGNATURE',
      `bundle is a ${statement.predicateType} attestation, ` +
        `not an image signature (${SIGN_PREDICATE_TYPE})`
    )
  }
  const signed: string[] = (statement.subject ?? []).map(
    (s: { digest?: { sha256?: string } }) => `sha256:${s.digest?.sha256}`
  )
  if (!signed.includes(digest)) {
    throw new SupplyChainError(
      'DIGEST_MISMATCH',
      `digest mismatch: the signature covers ${signed.join(', ') || 'no digest'}, not ${digest}`
    )
  }

  const identity = signer.identity?.subjectAlternativeName ?? ''
  const issuer = signer.identity?.extensions?.issuer ?? ''
  const identityOK =
    expected.identity !== undefined
      ? identity === expected.identity
      : new RegExp(`^(?:${expected.identityRegExp})$`).test(identity)
  if (issuer !== expected.issuer || !identityOK) {
    throw new SupplyChainError(
      'IDENTITY_MISMATCH',
      `identity mismatch: signed by ${identity || '(no SAN)'} (issuer ${issuer || 'unknown'}), ` +
        `expected ${expected.identity ?? `/^${expected.identityRegExp}$/`} ` +
        `(issuer ${expected.issuer})`
    )
  }
  const entry = bundle.verificationMaterial.tlogEntries[0]
  return {
    identity,
    issuer,
    logIndex: entry?.logIndex ?? '?',
    integratedTime: entry ? new Date(Number(entry.integratedTime) * 1000).toISOString() : '?',
  }
}

/** The trust anchors: a trusted_root.json file, or the public-good instance's root via TUF. */
async function trustedRoot(path?: string): Promise<TrustedRoot> {
  if (path) {
    try {
      return TrustedRoot.fromJSON(JSON.parse(await readFile(path, 'utf8')))
    } catch (error) {
      throw new SupplyChainError(
        'TRUST_ROOT_ERROR',
        `cannot read trusted root ${path}: ${describe(error)}`
      )
    }
  }
  try {
    return await getTrustedRoot()
  } catch (error) {
    throw new SupplyChainError(
      'TRUST_ROOT_ERROR',
      `cannot fetch the Sigstore trusted root via TUF: ${describe(error)}`,
      { cause: error }
    )
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code
    const cause = (error as { cause?: unknown }).cause
    const causeText = cause instanceof Error ? ` (${cause.message})` : ''
    return `${error.message}${code ? ` [${code}]` : ''}${causeText}`
  }
  return String(error)
}
