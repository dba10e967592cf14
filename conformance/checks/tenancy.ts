/*
 * Block 1, beyond "the projects exist": they confine what they claim, proven with the real Argo CD.
 *  - a tenant-apps Application that renders a Namespace other than its destination and a
 *    ClusterRole fails to sync with Argo CD's permission error, and neither object appears;
 *  - a tenant-apps Application whose source is another repository is refused before anything
 *    is fetched.
 * Probe Applications carry no finalizer (deleting one deletes nothing it did not create) and are
 * removed in `finally`, with the probe commit, the way the GitOps checks restore git.
 */
import * as k8s from '@kubernetes/client-node'
import { stringify } from 'yaml'
import { GROUP, VERSION, getApplication, requestSync, type Application } from '../lib/argocd.ts'
import { check, type CheckContext } from '../lib/check.ts'
import { isNotFound, type Kube } from '../lib/kube.ts'
import type { Profile } from '../lib/profile.ts'
import { expect, failed, met, pending } from '../../scripts/lib/expect.ts'

const PROJECT = 'tenant-apps'
const PROBE_FILE = 'conformance-probes/cluster-scoped/objects.yaml'
const FOREIGN_NAMESPACE = 'ark-probe-foreign'
const PROBE_CLUSTER_ROLE = 'ark-probe-cluster-role'
/** A fork of this repository under another owner: the pattern the projects used to allow. */
const FOREIGN_REPO = 'https://github.com/ark-probe-fork/agent-ready-k8s.git'
const NOT_PERMITTED = new RegExp(`not permitted in project '?${PROJECT}'?`)

/** The namespace a probe may legitimately deploy to: a tenant app's own destination. */
function tenantNamespace(profile: Profile): string | undefined {
  return profile.apps.find((a) => a.project === PROJECT)?.namespace
}

function appliesToTenants(profile: Profile): true | string {
  return tenantNamespace(profile)
    ? true
    : `the ${profile.name} profile has no ${PROJECT} app whose namespace a probe could target`
}

/**
 * Everything Argo CD said about an Application: conditions, the last operation and its resources.
 */
function messagesOf(app: Application): string {
  const op = app.status?.operationState as
    { message?: string; syncResult?: { resources?: { message?: string }[] } } | undefined
  return [
    ...(app.status?.conditions ?? []).map((c) => `${c.type}: ${c.message}`),
    op?.message,
    ...(op?.syncResult?.resources ?? []).map((r) => r.message),
  ]
    .filter(Boolean)
    .join(' · ')
}

async function withProbeApplication(
  ctx: CheckContext,
  name: string,
  source: Record<string, unknown>,
  body: () => Promise<void>
) {
  const { kube, profile } = ctx
  const application = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Application',
    metadata: {
      name,
      namespace: profile.argocdNamespace,
      labels: { 'agent-ready-k8s/conformance-probe': 'true' },
    },
    spec: {
      project: PROJECT,
      source,
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: tenantNamespace(profile),
      },
    },
  }
  await deleteProbe(kube, profile.argocdNamespace, name) // left by an interrupted run
  await kube.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: profile.argocdNamespace,
    plural: 'applications',
    body: application,
  })
  ctx.log(`created probe Application ${name} in project ${PROJECT}`)
  try {
    await body()
  } finally {
    await deleteProbe(kube, profile.argocdNamespace, name)
  }
}

async function deleteProbe(kube: Kube, namespace: string, name: string) {
  try {
    await kube.custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'applications',
      name,
    })
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
}

/** What a loosened project would have let the probe create; deleted again by name. */
function probeObjects(kube: Kube) {
  const rbac = kube.config.makeApiClient(k8s.RbacAuthorizationV1Api)
  const ignoreMissing = (error: unknown) => {
    if (!isNotFound(error)) throw error
    return null
  }
  return {
    async present(): Promise<string[]> {
      const ns = await kube.core.readNamespace({ name: FOREIGN_NAMESPACE }).catch(ignoreMissing)
      const role = await rbac.readClusterRole({ name: PROBE_CLUSTER_ROLE }).catch(ignoreMissing)
      return [
        ns && `Namespace ${FOREIGN_NAMESPACE}`,
        role && `ClusterRole ${PROBE_CLUSTER_ROLE}`,
      ].filter((x): x is string => !!x)
    },
    async remove() {
      await kube.core.deleteNamespace({ name: FOREIGN_NAMESPACE }).catch(ignoreMissing)
      await rbac.deleteClusterRole({ name: PROBE_CLUSTER_ROLE }).catch(ignoreMissing)
    },
  }
}

const probeManifests =
  stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: FOREIGN_NAMESPACE } }) +
  '---\n' +
  stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: PROBE_CLUSTER_ROLE },
    rules: [],
  })

export const tenantClusterScoped = check({
  block: 1,
  name: `a ${PROJECT} Application can create no namespace and no cluster-scoped object`,
  timeout: (p) => p.deadlines.convergenceMs + p.deadlines.restoreMs + 30_000,
  appliesTo: appliesToTenants,
  async run(ctx) {
    const { kube, profile, source } = ctx
    const objects = probeObjects(kube)
    await source.restoreInterrupted(ctx.log)
    // a namespace deleted by an earlier (self-)test may still be terminating
    await objects.remove()
    await expect('no probe object left from an earlier run', async () => {
      const left = await objects.present()
      return left.length === 0 ? met() : pending(`${left.join(', ')} still present`)
    }).within(ctx.deadlines.restoreMs)
    const head = await source.head()
    source.ledger.write(head)
    try {
      const sha = await source.commitFiles(
        { [PROBE_FILE]: probeManifests },
        'conformance probe: cluster-scoped objects in a tenant app'
      )
      const name = 'ark-probe-cluster-scoped'
      await withProbeApplication(
        ctx,
        name,
        {
          repoURL: profile.git.url,
          targetRevision: sha,
          path: PROBE_FILE.split('/').slice(0, -1).join('/'),
        },
        async () => {
          await requestSync(kube, profile.argocdNamespace, name, sha)
          await expect(
            `Argo CD refuses to sync Namespace ${FOREIGN_NAMESPACE} and ` +
              `ClusterRole ${PROBE_CLUSTER_ROLE} in project ${PROJECT}`,
            async () => {
              const created = await objects.present()
              if (created.length > 0)
                return failed(
                  `project ${PROJECT} let a tenant Application create ${created.join(' and ')}`
                )
              const app = await getApplication(kube, profile.argocdNamespace, name)
              const said = messagesOf(app)
              if (NOT_PERMITTED.test(said)) return met()
              if (app.status?.operationState?.phase === 'Succeeded')
                return failed(`the probe synced in project ${PROJECT}: ${said || 'no message'}`)
              return pending(
                `probe sync ${app.status?.operationState?.phase ?? 'not started'}` +
                  (said ? `: ${said}` : '')
              )
            }
          ).within(ctx.deadlines.convergenceMs)
        }
      )
    } finally {
      await objects.remove()
      await source.restore(head)
      source.ledger.clear()
    }
  },
})

export const tenantForeignSource = check({
  block: 1,
  name: `a ${PROJECT} Application reading another repository is refused`,
  timeout: (p) => p.deadlines.convergenceMs + 30_000,
  appliesTo: appliesToTenants,
  async run(ctx) {
    const { kube, profile } = ctx
    const name = 'ark-probe-foreign-source'
    await withProbeApplication(
      ctx,
      name,
      { repoURL: FOREIGN_REPO, targetRevision: 'main', path: '.' },
      async () => {
        await expect(`Argo CD refuses ${FOREIGN_REPO} in project ${PROJECT}`, async () => {
          const app = await getApplication(kube, profile.argocdNamespace, name)
          const said = messagesOf(app)
          if (NOT_PERMITTED.test(said)) return met()
          // any other verdict means the project let the source through (Argo CD tried to fetch it)
          if (said) return failed(`project ${PROJECT} accepted ${FOREIGN_REPO}: ${said}`)
          return pending(
            `no verdict on the probe yet (${app.status?.sync?.status ?? 'not reconciled'})`
          )
        }).within(ctx.deadlines.convergenceMs)
      }
    )
  },
})

export const tenancyChecks = [tenantClusterScoped, tenantForeignSource]
