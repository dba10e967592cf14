/*
 * Blocks 1–7 outside the GitOps tests: AppProjects (1), each roadmap Application (2–5, 12),
 * the root app-of-apps (6), zero Helm releases (Block 7's final validation).
 */
import {
  automatedOf,
  getApplication,
  listApplications,
  listProjects,
  statusLine,
  type AppProject,
  type Application,
} from '../lib/argocd.ts'
import { ROADMAP_APPS, type BlockNumber } from '../lib/blocks.ts'
import { check } from '../lib/check.ts'
import { collectDiagnostics } from '../lib/diagnostics.ts'
import { expect, failed, met, pending } from '../../scripts/lib/expect.ts'
import { isNotFound } from '../lib/kube.ts'
import type { CheckContext } from '../fixture/context.ts'
import { tenancyChecks } from './tenancy.ts'

const ROADMAP_PROJECTS = ['platform', 'infrastructure', 'tenant-apps']

/** order-independent comparison of lists of plain objects */
const canonical = (items: unknown[] | undefined) =>
  JSON.stringify(
    (items ?? []).map((i) => JSON.stringify(i, Object.keys(i as object).sort())).sort()
  )

function projectMismatch(live: AppProject, declared: AppProject): string | null {
  for (const field of [
    'destinations',
    'clusterResourceWhitelist',
    'namespaceResourceWhitelist',
    'sourceRepos',
  ] as const) {
    const a =
      field === 'sourceRepos'
        ? JSON.stringify([...(live.spec[field] ?? [])].sort())
        : canonical(live.spec[field])
    const b =
      field === 'sourceRepos'
        ? JSON.stringify([...(declared.spec[field] ?? [])].sort())
        : canonical(declared.spec[field])
    if (a !== b)
      return (
        `AppProject ${live.metadata.name}: ${field} ` +
        `is ${JSON.stringify(live.spec[field] ?? [])}, gitops/projects ` +
        `declares ${JSON.stringify(declared.spec[field] ?? [])}`
      )
  }
  return null
}

const appProjects = check({
  block: 1,
  name: 'AppProjects platform, infrastructure, tenant-apps',
  timeout: 30_000,
  async run({ profile, kube, deadlines }) {
    const declaredNames = profile.declaredProjects.map((p) => p.metadata.name)
    const missingInGit = ROADMAP_PROJECTS.filter((n) => !declaredNames.includes(n))
    if (missingInGit.length > 0)
      throw new Error(`gitops/projects does not declare ${missingInGit.join(', ')}`)
    await expect('AppProjects match gitops/projects', async () => {
      const live = await listProjects(kube, profile.argocdNamespace)
      for (const declared of profile.declaredProjects) {
        const found = live.find((p) => p.metadata.name === declared.metadata.name)
        if (!found)
          return pending(
            `AppProject ${declared.metadata.name} not found in ${profile.argocdNamespace}`
          )
        const mismatch = projectMismatch(found, declared)
        if (mismatch) return pending(mismatch)
      }
      // the roadmap's isolation: tenants only in tenant-* namespaces
      const tenant = live.find((p) => p.metadata.name === 'tenant-apps')!
      const outside = (tenant.spec.destinations ?? []).filter(
        (d) => !d.namespace?.startsWith('tenant-')
      )
      if (outside.length > 0)
        return failed(
          'AppProject tenant-apps may deploy outside ' +
            `tenant-* namespaces: ${JSON.stringify(outside)}`
        )
      return met()
    }).within(deadlines.answerMs)
  },
})

async function readApp(ctx: CheckContext, name: string): Promise<Application | null> {
  try {
    return await getApplication(ctx.kube, ctx.profile.argocdNamespace, name)
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

/**
 * Block 2–5, 12: "Argo CD UI shows <app> (synced ✅, healthy
 * ✅)" with project and sync policy as the roadmap sets them.
 */
function applicationCheck(app: string, block: BlockNumber) {
  return check({
    block,
    name: `${app} Application Synced + Healthy`,
    timeout: 90_000,
    appliesTo: (p) =>
      p.apps.some((a) => a.name === app)
        ? true
        : `${app} is not part of the ${p.name} profile: ${p.absentAppReason}`,
    async run(ctx) {
      const expected = ctx.profile.apps.find((a) => a.name === app)!
      ctx.explainWith(() =>
        collectDiagnostics(ctx.kube, {
          argocdNamespace: ctx.profile.argocdNamespace,
          app,
          namespace: expected.namespace,
        })
      )
      await expect(`Application ${app}`, async () => {
        const a = await readApp(ctx, app)
        if (!a) return pending(`Application ${app} not found in ${ctx.profile.argocdNamespace}`)
        if (a.spec.project !== expected.project)
          return failed(
            `Application ${app} is in project ${a.spec.project}, ` +
              `the catalogue says ${expected.project}`
          )
        if (a.spec.destination.namespace !== expected.namespace)
          return failed(
            `Application ${app} deploys to ${a.spec.destination.namespace}, ` +
              `the catalogue says ${expected.namespace}`
          )
        const auto = automatedOf(a)
        if (!auto.enabled || !auto.prune || !auto.selfHeal) {
          return failed(
            `Application ${app} sync policy: automated ${auto.enabled ? 'on' : 'off'}, ` +
              `prune ${auto.prune ? 'on' : 'off'}, ` +
              `selfHeal ${auto.selfHeal ? 'on' : 'off'} (all three required)`
          )
        }
        return a.status?.sync?.status === 'Synced' && a.status?.health?.status === 'Healthy'
          ? met()
          : pending(statusLine(a))
      }).within(60_000)
    },
  })
}

const applicationChecks = ROADMAP_APPS.map(({ app, block }) => applicationCheck(app, block))

function ownedByRoot(app: Application, root: Application, rootName: string): boolean {
  const tracked =
    root.status?.resources?.some((r) => r.kind === 'Application' && r.name === app.metadata.name) ??
    false
  const trackingId = app.metadata.annotations?.['argocd.argoproj.io/tracking-id']
  const byAnnotation = trackingId?.startsWith(`${rootName}:`) ?? false
  const byLabel = app.metadata.labels?.['app.kubernetes.io/instance'] === rootName
  return tracked && (byAnnotation || byLabel)
}

const rootApp = check({
  block: 6,
  name: 'root app manages every Application',
  timeout: 90_000,
  async run(ctx) {
    const { profile, kube } = ctx
    ctx.explainWith(async () => {
      const apps = await listApplications(kube, profile.argocdNamespace)
      return `Applications: ${apps.map(statusLine).join(' | ') || 'none'}`
    })
    await expect(
      `root app ${profile.rootApp} managing ${profile.apps.map((a) => a.name).join(', ')}`,
      async () => {
        const root = await readApp(ctx, profile.rootApp)
        if (!root) return pending(`root Application ${profile.rootApp} not found`)
        if (root.status?.sync?.status !== 'Synced' || root.status?.health?.status !== 'Healthy')
          return pending(`root app: ${statusLine(root)}`)
        for (const expected of profile.apps) {
          const a = await readApp(ctx, expected.name)
          if (!a) return pending(`Application ${expected.name} not found`)
          if (!ownedByRoot(a, root, profile.rootApp))
            return pending(
              `Application ${expected.name} is not managed by the root app ${profile.rootApp}`
            )
          if (a.status?.sync?.status !== 'Synced' || a.status?.health?.status !== 'Healthy')
            return pending(statusLine(a))
        }
        return met()
      }
    ).within(60_000)
  },
})

const zeroHelmReleases = check({
  block: 7,
  name: 'zero Helm releases',
  timeout: 30_000,
  async run({ kube, deadlines }) {
    await expect('no Helm release storage in the cluster', async () => {
      const [secrets, configMaps] = await Promise.all([
        kube.core.listSecretForAllNamespaces({ labelSelector: 'owner=helm' }),
        kube.core.listConfigMapForAllNamespaces({ labelSelector: 'owner=helm' }),
      ])
      const releases = [...secrets.items, ...configMaps.items].map(
        (o) => `${o.metadata?.namespace}/${o.metadata?.name}`
      )
      if (releases.length > 0)
        return failed(
          `${releases.length} Helm release record(s): ${releases.join(', ')} ` +
            '(something ran helm install; Argo CD renders charts without releases)'
        )
      return met()
    }).within(deadlines.answerMs)
  },
})

export const argocdChecks = [
  appProjects,
  ...tenancyChecks,
  ...applicationChecks,
  rootApp,
  zeroHelmReleases,
]
