/*
 * End to end: `npm run sign-image` / `npm run verify-image` (the CLI scripts,
 * as the backend-ci workflow runs them) against a real OCI registry
 * (docker-registry on 127.0.0.1) holding images pushed through the registry
 * API, with Fulcio and Rekor stand-ins on 127.0.0.1 and a trusted root that
 * names exactly them. Each negative case asserts the error code and the cause.
 */
import { test } from '@japa/runner'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { attachArtifactToImage } from '@sigstore/oci'
import { RegistryClient, parseImageRef } from '../../scripts/lib/oci-registry.ts'
import { startLocalRegistry, type LocalRegistry } from './lib/local-registry.ts'
import { pushImage } from './lib/push-image.ts'
import { runScript, type Run } from './lib/run-script.ts'
import {
  GITHUB_ISSUER,
  githubActionsToken,
  githubWorkflowIdentity,
  startSigstoreStandIns,
  writeTrustedRoot,
  type StandIns,
} from './lib/sigstore-stand-ins.ts'

const REPO = 'acme/agent-ready-k8s'
const IMAGE_REPO = 'acme/agent-ready-k8s/backend'
const MAIN = githubWorkflowIdentity(REPO, 'backend-ci.yml', 'refs/heads/main')
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json'

/** Runs a repo script with Node 24 and a clean environment (no ambient token or registry login). */
function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runScript(script, args, {
    PATH: process.env.PATH ?? '',
    HOME: state.home,
    NO_COLOR: '1',
    ...env,
  })
}

const state = {} as {
  home: string
  registry: LocalRegistry
  sigstore: StandIns
  rogue: StandIns
  trustedRoot: string
  images: Record<
    'signed' | 'unsigned' | 'copied' | 'tampered' | 'garbage' | 'evil' | 'rogue' | 'tokenless',
    string
  >
  signRun: Run
}

const ref = (digest: string) => `${state.registry.host}/${IMAGE_REPO}@${digest}`
const signArgs = (standIns: StandIns) => [
  '--fulcio-url',
  standIns.fulcioURL,
  '--rekor-url',
  standIns.rekorURL,
]
const sign = (digest: string, token: string | undefined, standIns = state.sigstore) =>
  run(
    'scripts/sign-image.ts',
    [ref(digest), ...signArgs(standIns)],
    token ? { SIGSTORE_ID_TOKEN: token } : {}
  )
const verify = (image: string, ...flags: string[]) =>
  run('scripts/verify-image.ts', [image, '--trusted-root', state.trustedRoot, ...flags])
const verifyAsMain = (image: string, ...flags: string[]) =>
  verify(
    image,
    '--certificate-identity',
    MAIN,
    '--certificate-oidc-issuer',
    GITHUB_ISSUER,
    ...flags
  )
const mainToken = () =>
  githubActionsToken({ repository: REPO, workflowFile: 'backend-ci.yml', ref: 'refs/heads/main' })

async function bundleOf(digest: string): Promise<{ bytes: Buffer; json: any }> {
  const client = new RegistryClient(parseImageRef(ref(digest)))
  const referrers = await client.referrers(digest)
  const [descriptor] = referrers.filter((d) => d.artifactType === BUNDLE_TYPE)
  const manifest = await client.manifest(descriptor.digest)
  const bytes = await client.blob(manifest.json.layers[0].digest)
  return { bytes, json: JSON.parse(bytes.toString('utf8')) }
}

async function attach(digest: string, bundle: Buffer): Promise<void> {
  await attachArtifactToImage({
    artifact: bundle,
    mediaType: BUNDLE_TYPE,
    imageName: `${state.registry.host}/${IMAGE_REPO}`,
    imageDigest: digest,
    credentials: undefined as unknown as { username: string; password: string },
  })
}

test.group('supply chain · sign-image / verify-image round trip', (group) => {
  group.setup(async () => {
    // Whatever started is stopped again, also when a later step of this setup fails.
    const stops: (() => Promise<unknown>)[] = []
    const cleanup = async () => {
      for (const stop of stops.reverse()) await stop()
    }
    try {
      state.home = await mkdtemp(join(tmpdir(), 'ark-supply-chain-'))
      stops.push(() => rm(state.home, { recursive: true, force: true }))
      state.registry = await startLocalRegistry()
      stops.push(() => state.registry.stop())
      state.sigstore = await startSigstoreStandIns()
      stops.push(() => state.sigstore.stop())
      state.rogue = await startSigstoreStandIns()
      stops.push(() => state.rogue.stop())
      state.trustedRoot = join(state.home, 'trusted_root.json')
      await writeTrustedRoot(state.sigstore, state.trustedRoot)
      const names = [
        'signed',
        'unsigned',
        'copied',
        'tampered',
        'garbage',
        'evil',
        'rogue',
        'tokenless',
      ] as const
      state.images = {} as typeof state.images
      for (const name of names)
        state.images[name] = await pushImage(
          state.registry.host,
          IMAGE_REPO,
          name,
          `image ${name}\n`
        )
      state.signRun = await sign(state.images.signed, mainToken())
    } catch (error) {
      await cleanup()
      throw error
    }
    return cleanup
  })

  test('sign-image signs the digest keylessly and attaches the bundle to the image as an OCI referrer', async ({
    assert,
  }) => {
    assert.equal(state.signRun.code, 0, state.signRun.stderr)
    assert.include(
      state.signRun.stdout,
      `signed ${state.registry.host}/${IMAGE_REPO}@${state.images.signed} as ${MAIN}`
    )

    // distribution 2.8 has no referrers API: the referrers tag schema lists the bundle
    const index = await fetch(
      `http://${state.registry.host}/v2/${IMAGE_REPO}/manifests/${state.images.signed.replace(':', '-')}`,
      {
        headers: { accept: 'application/vnd.oci.image.index.v1+json' },
      }
    ).then((r) => r.json())
    assert.lengthOf(index.manifests, 1)
    assert.equal(index.manifests[0].artifactType, BUNDLE_TYPE)
    assert.equal(
      index.manifests[0].annotations['dev.sigstore.bundle.predicateType'],
      'https://sigstore.dev/cosign/sign/v1'
    )

    const { json: bundle } = await bundleOf(state.images.signed)
    assert.equal(bundle.mediaType, BUNDLE_TYPE)
    const statement = JSON.parse(
      Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')
    )
    assert.equal(statement.predicateType, 'https://sigstore.dev/cosign/sign/v1')
    assert.deepEqual(statement.subject[0].digest, {
      sha256: state.images.signed.slice('sha256:'.length),
    })
    assert.lengthOf(bundle.verificationMaterial.tlogEntries, 1)
  })

  test('verify-image accepts the signed digest for the workflow identity (by digest and by tag)', async ({
    assert,
  }) => {
    const byDigest = await verifyAsMain(ref(state.images.signed), '--json')
    assert.equal(byDigest.code, 0, byDigest.stderr)
    const result = JSON.parse(byDigest.stdout)
    assert.equal(result.digest, state.images.signed)
    assert.equal(result.identity, MAIN)
    assert.equal(result.issuer, GITHUB_ISSUER)

    const byTag = await verifyAsMain(`${state.registry.host}/${IMAGE_REPO}:signed`)
    assert.equal(byTag.code, 0, byTag.stderr)
    assert.include(
      byTag.stdout,
      `verified ${state.registry.host}/${IMAGE_REPO}@${state.images.signed}: signed by ${MAIN}`
    )
  })

  test('verify-image rejects another digest: an unsigned image', async ({ assert }) => {
    const result = await verifyAsMain(ref(state.images.unsigned))
    assert.equal(result.code, 1)
    assert.include(
      result.stderr,
      `error [NO_SIGNATURE]: no Sigstore bundle is attached to ${ref(state.images.unsigned)}`
    )
  })

  test('verify-image rejects another digest: a valid bundle of the signed image copied onto it', async ({
    assert,
  }) => {
    const bundle = await bundleOf(state.images.signed)
    await attach(state.images.copied, bundle.bytes)
    const result = await verifyAsMain(ref(state.images.copied))
    assert.equal(result.code, 1)
    assert.include(result.stderr, 'error [DIGEST_MISMATCH]')
    assert.include(
      result.stderr,
      `the signature covers ${state.images.signed}, not ${state.images.copied}`
    )
  })

  test('verify-image rejects another identity: other workflow, other issuer, and a look-alike ref', async ({
    assert,
  }) => {
    const release = githubWorkflowIdentity(REPO, 'release.yml', 'refs/heads/main')
    const otherWorkflow = await verify(ref(state.images.signed), '--certificate-identity', release)
    assert.equal(otherWorkflow.code, 1)
    assert.include(otherWorkflow.stderr, `error [IDENTITY_MISMATCH]`)
    assert.include(
      otherWorkflow.stderr,
      `signed by ${MAIN} (issuer ${GITHUB_ISSUER}), expected ${release}`
    )

    const otherIssuer = await verify(
      ref(state.images.signed),
      '--certificate-identity',
      MAIN,
      '--certificate-oidc-issuer',
      'https://accounts.google.com'
    )
    assert.equal(otherIssuer.code, 1)
    assert.include(otherIssuer.stderr, `(issuer https://accounts.google.com)`)
    assert.include(otherIssuer.stderr, `error [IDENTITY_MISMATCH]`)

    // Signed from branch "main-evil": its identity has MAIN as a prefix, and must still not pass.
    const evilToken = githubActionsToken({
      repository: REPO,
      workflowFile: 'backend-ci.yml',
      ref: 'refs/heads/main-evil',
    })
    const signed = await sign(state.images.evil, evilToken)
    assert.equal(signed.code, 0, signed.stderr)
    const lookAlike = await verifyAsMain(ref(state.images.evil))
    assert.equal(lookAlike.code, 1)
    assert.include(
      lookAlike.stderr,
      `error [IDENTITY_MISMATCH]: ${ref(state.images.evil)} has no ` +
        `acceptable signature: identity mismatch: signed by ${MAIN}-evil`
    )

    // A pattern must match the whole identity: main matches, main-evil does not.
    const pattern =
      'https://github\\.com/acme/agent-ready-k8s/\\.github/workflows/backend-ci\\.yml@refs/heads/main'
    const byPattern = await verify(
      ref(state.images.signed),
      '--certificate-identity-regexp',
      pattern
    )
    assert.equal(byPattern.code, 0, byPattern.stderr)
    const evilByPattern = await verify(
      ref(state.images.evil),
      '--certificate-identity-regexp',
      pattern
    )
    assert.equal(evilByPattern.code, 1)
    assert.include(evilByPattern.stderr, 'error [IDENTITY_MISMATCH]')
  })

  test('verify-image rejects a tampered bundle and a bundle from an untrusted Sigstore instance', async ({
    assert,
  }) => {
    // Re-point a valid bundle's statement at another image, keeping its signature and log entry.
    const { json: bundle } = await bundleOf(state.images.signed)
    const statement = JSON.parse(
      Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')
    )
    statement.subject[0].digest.sha256 = state.images.tampered.slice('sha256:'.length)
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64')
    await attach(state.images.tampered, Buffer.from(JSON.stringify(bundle)))
    const tampered = await verifyAsMain(ref(state.images.tampered))
    assert.equal(tampered.code, 1)
    assert.include(tampered.stderr, 'error [INVALID_SIGNATURE]')
    assert.include(tampered.stderr, 'bundle does not verify')
    assert.include(tampered.stderr, 'DSSE payload hash mismatch')

    // Not a bundle at all, under the bundle media type.
    await attach(
      state.images.garbage,
      Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","oops":')
    )
    const garbage = await verifyAsMain(ref(state.images.garbage))
    assert.equal(garbage.code, 1)
    assert.include(garbage.stderr, 'error [INVALID_SIGNATURE]: ')
    assert.include(garbage.stderr, 'bundle does not verify')

    // Same identity, but certificate and log entry come
    // from stand-ins the trusted root does not name.
    const rogue = await sign(state.images.rogue, mainToken(), state.rogue)
    assert.equal(rogue.code, 0, rogue.stderr)
    const untrusted = await verifyAsMain(ref(state.images.rogue))
    assert.equal(untrusted.code, 1)
    assert.include(untrusted.stderr, 'error [INVALID_SIGNATURE]')
    assert.match(untrusted.stderr, /CERTIFICATE_ERROR|TLOG/)
  })

  test('sign-image without an OIDC token fails clearly and attaches nothing', async ({
    assert,
  }) => {
    const result = await sign(state.images.tokenless, undefined)
    assert.equal(result.code, 1)
    assert.include(result.stderr, 'error [NO_OIDC_TOKEN]: no OIDC token available')
    assert.include(result.stderr, 'id-token: write')
    const client = new RegistryClient(parseImageRef(ref(state.images.tokenless)))
    assert.deepEqual(await client.referrers(state.images.tokenless), [])
  })

  test('sign-image and verify-image report an image that is not in the registry', async ({
    assert,
  }) => {
    const missing = `sha256:${'0'.repeat(63)}1`
    const signed = await sign(missing, mainToken())
    assert.equal(signed.code, 1)
    assert.include(
      signed.stderr,
      'error [IMAGE_NOT_FOUND]: image not ' +
        `found: ${state.registry.host}/${IMAGE_REPO} has no manifest ${missing}`
    )
    const verified = await verifyAsMain(ref(missing))
    assert.equal(verified.code, 1)
    assert.include(verified.stderr, 'error [IMAGE_NOT_FOUND]')
  })

  test('sign-image refuses a tag (it signs digests only) and verify-image demands an identity', async ({
    assert,
  }) => {
    const tagged = await run(
      'scripts/sign-image.ts',
      [`${state.registry.host}/${IMAGE_REPO}:signed`],
      { SIGSTORE_ID_TOKEN: mainToken() }
    )
    assert.equal(tagged.code, 2)
    assert.include(tagged.stderr, 'error [USAGE]: sign a digest, not a tag')
    const anyone = await verify(ref(state.images.signed))
    assert.equal(anyone.code, 2)
    assert.include(anyone.stderr, 'error [USAGE]')
  })
})
