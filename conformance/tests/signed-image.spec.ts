/*
 * No hollow pass for "Block 12 · the backend runs the image CI signed" (checks/signed-image.ts): it
 * skips a local build with the reason, applies to a promoted digest, accepts only backend-ci's
 * identity on main, fails while a pod runs another digest, and fails when verify-image refuses.
 */
import { test } from '@japa/runner'
import type * as k8s from '@kubernetes/client-node'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backendImagePlan } from '../../scripts/lib/backend-image.ts'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import {
  runningDigestProblem,
  signedImage,
  signedImageOf,
  verifySignature,
} from '../checks/signed-image.ts'
import { stubProfile } from './fixtures/stub-profile.ts'

const defaults = { image: { repository: 'agent-ready-k8s/backend', tag: '1.0.0' } }
const digest = `sha256:${'ab'.repeat(32)}`
const promoted = {
  repository: 'ghcr.io/acme/agent-ready-k8s/backend',
  tag: `main-${'c'.repeat(40)}`,
  digest,
}
const pod = (name: string, imageID: string): k8s.V1Pod =>
  ({
    metadata: { name },
    status: {
      containerStatuses: [{ name: 'api', imageID, image: '', ready: true, restartCount: 0 }],
    },
  }) as k8s.V1Pod

test.group('Block 12 · the backend runs the image CI signed: fails on a wrong answer', () => {
  test('applies to a promoted digest in the git source; a local build is SKIPPED with the reason', ({
    assert,
    cleanup,
  }) => {
    const clone = mkdtempSync(join(tmpdir(), 'ark-signed-'))
    cleanup(() => rmSync(clone, { recursive: true, force: true }))
    mkdirSync(join(clone, 'helm/backend'), { recursive: true })
    copyFileSync(
      join(repoRoot, 'helm/backend/values.yaml'),
      join(clone, 'helm/backend/values.yaml')
    )
    const profile = {
      ...stubProfile('http://127.0.0.1:1'),
      git: { workClone: clone, bareRepo: clone, url: `file://${clone}`, branch: 'main' },
    }
    profile.apps = [
      {
        name: profile.backend.app,
        project: 'tenant-apps',
        namespace: 'tenant-backend',
        path: 'helm/backend',
        valueFile: 'helm/backend/values-x.yaml',
      },
    ] // repo-relative, as readCatalogue gives it
    writeFileSync(join(clone, 'helm/backend/values-x.yaml'), 'replicaCount: 2\n')
    assert.match(
      String(signedImage.appliesTo!(profile)),
      /^the backend runs a locally built image \(agent-ready-k8s\/backend:\d+\.\d+\.\d+, no digest in its values\): nothing CI signed to verify/
    )
    writeFileSync(
      join(clone, 'helm/backend/values-x.yaml'),
      `image:\n  repository: ${promoted.repository}\n  tag: ${promoted.tag}\n  digest: ${digest}\n`
    )
    assert.isTrue(signedImage.appliesTo!(profile))
  })

  test('a foreign registry path has no known signer', ({ assert }) => {
    const foreign = signedImageOf(
      backendImagePlan(defaults, { image: { repository: 'quay.io/acme/backend', digest } })
    )
    assert.match((foreign as { skip: string }).skip, /not an image backend-ci pushes/)
  })

  test('only backend-ci on main of that repository signs it (owner/repo in any case)', ({
    assert,
  }) => {
    const s = signedImageOf(backendImagePlan(defaults, { image: promoted })) as {
      image: string
      identityPattern: string
    }
    assert.equal(s.image, `ghcr.io/acme/agent-ready-k8s/backend@${digest}`)
    // verify-image matches the whole SAN against ^(?:pattern)$
    const matches = (san: string) => new RegExp(`^(?:${s.identityPattern})$`).test(san)
    assert.isTrue(
      matches(
        'https://github.com/Acme/Agent-Ready-K8s/.github/workflows/backend-ci.yml@refs/heads/main'
      )
    )
    assert.isFalse(
      matches(
        'https://github.com/acme/agent-ready-k8s/.github/workflows/backend-ci.yml@refs/heads/main-evil'
      )
    )
    assert.isFalse(
      matches('https://github.com/acme/agent-ready-k8s/.github/workflows/other.yml@refs/heads/main')
    )
    assert.isFalse(
      matches(
        'https://github.com/evil/agent-ready-k8s/.github/workflows/backend-ci.yml@refs/heads/main'
      )
    )
    assert.isFalse(
      matches(
        'https://github.com/acme/agent-ready-k8sXbackend/.github/workflows/backend-ci.yml@refs/heads/main'
      )
    )
  })

  test('pods must run exactly the promoted digest', ({ assert }) => {
    const ours = `ghcr.io/acme/agent-ready-k8s/backend@${digest}`
    assert.isUndefined(runningDigestProblem([pod('a', ours), pod('b', ours)], digest))
    assert.match(
      runningDigestProblem(
        [pod('a', ours), pod('b', `docker.io/library/import-2026@sha256:${'ef'.repeat(32)}`)],
        digest
      )!,
      /pod b container api runs .*sha256:efef.*; want sha256:abab/
    )
    assert.equal(runningDigestProblem([], digest), 'no backend pod yet')
    assert.match(runningDigestProblem([pod('a', '')], digest)!, /image not pulled yet/)
  })

  test('verify-image refusing the image fails the check with its one-line cause', async ({
    assert,
  }) => {
    // no registry at 127.0.0.1:1: the real CLI finds no signature, so it must refuse
    const verdict = await verifySignature(
      `127.0.0.1:1/acme/backend@${digest}`,
      'https://github\\.com/acme/repo/x',
      { ...process.env, SIGSTORE_TRUSTED_ROOT: '' }
    )
    assert.isFalse(verdict.ok)
    assert.match(
      verdict.line,
      /^error \[REGISTRY_ERROR\]: cannot reach http:\/\/127\.0\.0\.1:1\/v2\/acme\/backend\/manifests\/sha256:abab/
    )
  }).timeout(150_000)
})
