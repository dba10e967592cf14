/* Block 3–5: AppProjects, Applications (Synced + Healthy, automated, owned by root), zero Helm releases. */
import { automatedOf, getApplication, listApplications, listProjects, statusLine, type AppProject, type Application } from '../lib/argocd.ts'
import { BLOCKS } from '../lib/blocks.ts'
import { defineCheck } from '../lib/check.ts'
import { collectDiagnostics } from '../lib/diagnostics.ts'
import { expect, failed, met, pending } from '../../scripts/lib/expect.ts'
import { isNotFound } from '../lib/kube.ts'
import { kube } from '../lib/world.ts'

const ROADMAP_PROJECTS = ['platform', 'infrastructure', 'tenant-apps']

/** order-independent comparison of lists of plain objects */
const canonical = (items: unknown[] | undefined) => JSON.stringify((items ?? []).map((i) => JSON.stringify(i, Object.keys(i as object).sort())).sort())

function projectMismatch(live: AppProject, declared: AppProject): string | null {
  for (const field of ['destinations', 'clusterResourceWhitelist', 'namespaceResourceWhitelist', 'sourceRepos'] as const) {
    const a = field === 'sourceRepos' ? JSON.stringify([...(live.spec[field] ?? [])].sort()) : canonical(live.spec[field])
    const b = field === 'sourceRepos' ? JSON.stringify([...(declared.spec[field] ?? [])].sort()) : canonical(declared.spec[field])
    if (a !== b) return `AppProject ${live.metadata.name}: ${field} is ${JSON.stringify(live.spec[field] ?? [])}, gitops/projects declares ${JSON.stringify(declared.spec[field] ?? [])}`
  }
  return null
}

defineCheck({
  block: BLOCKS.projects,
  name: 'AppProjects platform, infrastructure, tenant-apps with their destinations and whitelists',
  timeout: 30_000,
  async run({ profile }) {
    const declaredNames = profile.declaredProjects.map((p) => p.metadata.name)
    const missingInGit = ROADMAP_PROJECTS.filter((n) => !declaredNames.includes(n))
    if (missingInGit.length > 0) throw new Error(`gitops/projects does not declare ${missingInGit.join(', ')}`)
    await expect('AppProjects match gitops/projects', async () => {
      const live = await listProjects(kube(), profile.argocdNamespace)
      for (const declared of profile.declaredProjects) {
        const found = live.find((p) => p.metadata.name === declared.metadata.name)
        if (!found) return pending(`AppProject ${declared.metadata.name} not found in ${profile.argocdNamespace}`)
        const mismatch = projectMismatch(found, declared)
        if (mismatch) return pending(mismatch)
      }
      // the roadmap's isolation: tenants only in tenant-* namespaces, infrastructure only in demo-platform
      const tenant = live.find((p) => p.metadata.name === 'tenant-apps')!
      const outside = (tenant.spec.destinations ?? []).filter((d) => !d.namespace?.startsWith('tenant-'))
      if (outside.length > 0) return failed(`AppProject tenant-apps may deploy outside tenant-* namespaces: ${JSON.stringify(outside)}`)
      return met()
    }).within(10_000)
  },
})

function ownedByRoot(app: Application, root: Application, rootName: string): boolean {
  const tracked = root.status?.resources?.some((r) => r.kind === 'Application' && r.name === app.metadata.name) ?? false
  const trackingId = app.metadata.annotations?.['argocd.argoproj.io/tracking-id']
  const byAnnotation = trackingId?.startsWith(`${rootName}:`) ?? false
  const byLabel = app.metadata.labels?.['app.kubernetes.io/instance'] === rootName
  return tracked && (byAnnotation || byLabel)
}

defineCheck({
  block: BLOCKS.applications,
  name: 'every Application in its project, Synced + Healthy, automated + prune + selfHeal, owned by the root app',
  timeout: 90_000,
  async run(ctx) {
    const { profile } = ctx
    ctx.explainWith(async () => {
      const apps = await listApplications(kube(), profile.argocdNamespace)
      const sections = [`Applications: ${apps.map(statusLine).join(' | ') || 'none'}`]
      for (const app of profile.apps) sections.push(await collectDiagnostics(kube(), { argocdNamespace: profile.argocdNamespace, app: app.name, namespace: app.namespace }))
      return sections.join('\n')
    })
    await expect(`the ${profile.name} profile's Applications (${profile.apps.map((a) => a.name).join(', ')}) under ${profile.rootApp}`, async () => {
      let root: Application
      try {
        root = await getApplication(kube(), profile.argocdNamespace, profile.rootApp)
      } catch (error) {
        if (isNotFound(error)) return pending(`root Application ${profile.rootApp} not found`)
        throw error
      }
      if (root.status?.sync?.status !== 'Synced' || root.status?.health?.status !== 'Healthy') return pending(`root app: ${statusLine(root)}`)
      for (const expected of profile.apps) {
        let app: Application
        try {
          app = await getApplication(kube(), profile.argocdNamespace, expected.name)
        } catch (error) {
          if (isNotFound(error)) return pending(`Application ${expected.name} not found`)
          throw error
        }
        if (app.spec.project !== expected.project) return failed(`Application ${expected.name} is in project ${app.spec.project}, the catalogue says ${expected.project}`)
        const auto = automatedOf(app)
        if (!auto.enabled || !auto.prune || !auto.selfHeal) {
          return failed(`Application ${expected.name} sync policy: automated ${auto.enabled ? 'on' : 'off'}, prune ${auto.prune ? 'on' : 'off'}, selfHeal ${auto.selfHeal ? 'on' : 'off'} (all three required)`)
        }
        if (!ownedByRoot(app, root, profile.rootApp)) return pending(`Application ${expected.name} is not tracked by the root app ${profile.rootApp}`)
        if (app.status?.sync?.status !== 'Synced' || app.status?.health?.status !== 'Healthy') return pending(statusLine(app))
      }
      return met()
    }).within(60_000)
  },
})

defineCheck({
  block: BLOCKS.helmReleases,
  name: 'zero Helm releases (no owner=helm release Secrets in any namespace)',
  timeout: 30_000,
  async run() {
    await expect('no Helm release storage in the cluster', async () => {
      const [secrets, configMaps] = await Promise.all([
        kube().core.listSecretForAllNamespaces({ labelSelector: 'owner=helm' }),
        kube().core.listConfigMapForAllNamespaces({ labelSelector: 'owner=helm' }),
      ])
      const releases = [...secrets.items, ...configMaps.items].map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`)
      if (releases.length > 0) return failed(`${releases.length} Helm release record(s): ${releases.join(', ')} (something ran helm install; Argo CD renders charts without releases)`)
      return met()
    }).within(10_000)
  },
})
