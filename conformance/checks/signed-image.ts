/*
 * Block 12 · "the backend runs the image CI signed": the delivery loop closed. backend-ci builds,
 * signs and verifies the image on main and promotes its digest into the kind values
 * (scripts/promote-image.ts); Argo CD deploys it. The check reads what the profile's values deploy
 * (in the git source Argo CD reads), waits until every backend pod runs exactly that digest, and
 * has the verify-image CLI (npm run verify-image) accept its signature as backend-ci's on main. A
 * locally built image (no digest in the values) has nothing to verify: SKIPPED with that reason.
 */
import { execFile } from 'node:child_process'
import type * as k8s from '@kubernetes/client-node'
import { expect, met, pending } from '../../scripts/lib/expect.ts'
import {
  readBackendImage,
  signerIdentityPattern,
  type BackendImage,
} from '../../scripts/lib/backend-image.ts'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import { check } from '../lib/check.ts'
import { collectDiagnostics } from '../lib/diagnostics.ts'
import { podsOf } from '../lib/kube.ts'
import type { Profile } from '../lib/profile.ts'

const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com'

/** The image to verify, or why the check does not apply (a local build carries no signature). */
export function signedImageOf(
  image: BackendImage
): { image: string; digest: string; identityPattern: string } | { skip: string } {
  if (image.source === 'local') {
    return {
      skip:
        `the backend runs a locally built image (${image.image}, no ` +
        'digest in its values): nothing CI signed to verify — backend-ci ' +
        'promotes signed digests into helm/backend/values-kind.yaml',
    }
  }
  const identityPattern = signerIdentityPattern(image.repository)
  if (!identityPattern)
    return {
      skip:
        `the backend runs ${image.image}, not an image backend-ci pushes ` +
        '(ghcr.io/<owner>/<repo>/backend): no known signer to verify against',
    }
  return { image: `${image.repository}@${image.digest}`, digest: image.digest, identityPattern }
}

/** What the profile's values deploy, read from the git source Argo CD reads. */
function deployedImage(profile: Profile): BackendImage {
  const app = profile.apps.find((a) => a.name === profile.backend.app)
  if (!app?.path || !app.valueFile)
    throw new Error(
      `the backend app "${profile.backend.app}" of profile ${profile.name} ` +
        'has no chart path and values file in this repository'
    )
  // valueFile is repo-relative already (readCatalogue joins the chart path)
  return readBackendImage(profile.git.workClone, app.valueFile)
}

/** Why the backend pods do not (yet) run exactly `digest`; undefined when every container does. */
export function runningDigestProblem(pods: k8s.V1Pod[], digest: string): string | undefined {
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp)
  if (live.length === 0) return 'no backend pod yet'
  const other: string[] = []
  for (const pod of live) {
    const statuses = pod.status?.containerStatuses ?? []
    if (statuses.length === 0) return `pod ${pod.metadata?.name}: no container started yet`
    for (const c of statuses) {
      if (!c.imageID) return `pod ${pod.metadata?.name} container ${c.name}: image not pulled yet`
      if (!c.imageID.endsWith(`@${digest}`))
        other.push(`pod ${pod.metadata?.name} container ${c.name} runs ${c.imageID}`)
    }
  }
  return other.length ? `${other.join('; ')}; want ${digest}` : undefined
}

/** The verify-image CLI against backend-ci's identity on main; its one-line verdict. */
export function verifySignature(
  image: string,
  identityPattern: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<{ ok: boolean; line: string }> {
  const args = [
    'scripts/verify-image.ts',
    image,
    '--certificate-identity-regexp',
    identityPattern,
    '--certificate-oidc-issuer',
    GITHUB_ACTIONS_ISSUER,
  ]
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: repoRoot, env, timeout: 120_000 },
      (error, stdout, stderr) => {
        const lines = `${stdout}\n${stderr}`
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
        if (!error)
          resolve({ ok: true, line: lines.find((l) => l.startsWith('verified ')) ?? 'verified' })
        else
          resolve({
            ok: false,
            line: lines.find((l) => l.startsWith('error')) ?? lines.at(-1) ?? String(error),
          })
      }
    )
  })
}

export const signedImage = check({
  block: 12,
  name: 'the backend runs the image CI signed',
  timeout: (p) => p.deadlines.convergenceMs + 150_000,
  appliesTo: (p) => {
    try {
      const s = signedImageOf(deployedImage(p))
      return 'skip' in s ? s.skip : true
    } catch {
      return true // unreadable values: run() reports that as the failure it is
    }
  },
  async run(ctx) {
    const signed = signedImageOf(deployedImage(ctx.profile))
    if ('skip' in signed) return
    const { workload, app } = ctx.profile.backend
    ctx.explainWith(() =>
      collectDiagnostics(ctx.kube, {
        argocdNamespace: ctx.profile.argocdNamespace,
        app,
        namespace: workload.namespace,
      })
    )
    await expect(
      `backend pods of ${workload.namespace}/${workload.name} running ${signed.digest}`,
      async () => {
        const problem = runningDigestProblem(
          await podsOf(ctx.kube, workload.namespace, workload.name),
          signed.digest
        )
        return problem ? pending(problem) : met()
      }
    ).within(ctx.deadlines.convergenceMs)
    const verdict = await verifySignature(signed.image, signed.identityPattern)
    if (!verdict.ok) throw new Error(`verify-image refused ${signed.image}: ${verdict.line}`)
    ctx.log(verdict.line)
  },
})

export const signedImageChecks = [signedImage]
