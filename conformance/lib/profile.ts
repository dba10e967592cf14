/*
 * A profile = a table of targets (conformance/profiles/<name>.yaml) + the cluster it runs on.
 *   cluster: local – the running local cluster (scripts/lib/local-state.ts, ARK_LOCAL_DIR)
 *   cluster: kind  – the current kubeconfig context; ingresses on 127.0.0.1:80 by Host header
 * The table says which Application, workload, values file and key each Block 7 test uses and
 * where the backend runs; the apps of the profile come from the GitOps catalogue
 * (gitops/apps/values.yaml). Checks read the profile and never branch on its name: a new app set
 * is a new table.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import type { AppProject } from './argocd.ts'
import { appProjects } from '../../scripts/lib/gitops-apply.ts'
import type { Endpoint } from './http.ts'

const PROFILES_DIR = fileURLToPath(new URL('../profiles/', import.meta.url))

/** Profile names: one per table in conformance/profiles/. */
export type ProfileName = string

export function profileNames(): string[] {
  return readdirSync(PROFILES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort()
}

export type CatalogueApp = {
  name: string
  project: string
  namespace: string
  path?: string
  valueFile?: string
  remoteChart?: string
}

export type Workload = { kind: 'Deployment' | 'StatefulSet'; namespace: string; name: string }

/**
 * Block 7 targets. `sourceApp` is the Application that
 * reads the edited file from git (default: `app`).
 */
export type GitOpsTargets = {
  autoSync: {
    app: string
    sourceApp?: string
    workload: Workload
    valuesFile: string
    key: string[]
    baseline: number
    changed: number
  }
  selfHeal: { app: string; sourceApp?: string; workload: Workload; baseline: number; drift: number }
  prune: { app: string; sourceApp?: string; namespace: string; configMap: string; manifest: string }
  rollback: {
    app: string
    sourceApp?: string
    workload: Workload
    pod?: string
    valuesFile: string
    key: string[]
    baseline: string
    changed: string
  }
}

export type BackendTarget = {
  app: string
  chart: string
  workload: Workload
  replicas: number
  podSelector: string
}

export type ProfileTable = {
  cluster: 'local' | 'kind'
  apps: string
  gitops: GitOpsTargets
  backend: BackendTarget
}

/** Something the profile can or cannot reach: the value, or the reason it cannot apply. */
export type Reach<T> = { ok: true; value: T } | { ok: false; reason: string }
export const reach = <T>(value: T): Reach<T> => ({ ok: true, value })
export const unreachable = <T>(reason: string): Reach<T> => ({ ok: false, reason })

export type DatabaseAccess =
  | {
      kind: 'direct'
      host: string
      port: number
      user: string
      password?: string
      database: string
    }
  | {
      kind: 'pod'
      namespace: string
      podSelector: string
      container?: string
      user: string
      database: string
      passwordEnv: string
    }
export type RedisAccess =
  | { kind: 'direct'; host: string; port: number; password?: string }
  | { kind: 'pod'; namespace: string; podSelector: string; container?: string; passwordEnv: string }

/**
 * How the migrations ran: an init container of the backend
 * pods, or a recorded step of the cluster's bring-up.
 */
export type MigrationEvidence =
  | { kind: 'init-container'; container: string }
  | { kind: 'step'; command: string; exitCode: number | null; log: string }

/**
 * Where the backend's log is read: from its pods (the
 * roadmap's kubectl logs), or the process's log file.
 */
export type LogSource = { kind: 'pods' } | { kind: 'file'; path: string }

export type GitAccess = {
  /** working clone the suite commits through */
  workClone: string
  /** the bare repository Argo CD reads */
  bareRepo: string
  /** URL Argo CD reads (to show in messages) */
  url: string
  /** branch Argo CD follows */
  branch: string
}

export type Deadlines = {
  /** clean baseline before a mutating check */
  baselineMs: number
  /** each convergence a check waits for (override: ARK_CONVERGENCE_MS) */
  convergenceMs: number
  /** back at the baseline after a check */
  restoreMs: number
  /** an endpoint or a platform fact to answer */
  answerMs: number
}

export type Profile = {
  name: string
  table: ProfileTable
  kubeconfig: string | null
  kubeContext: string | null
  argocdNamespace: string
  rootApp: string
  git: GitAccess
  /** AppProjects as declared in gitops/projects/ (expected live state) */
  declaredProjects: AppProject[]
  /** apps of this profile from the catalogue */
  apps: CatalogueApp[]
  /** why a catalogue app is absent from this profile */
  absentAppReason: string
  gitops: GitOpsTargets
  backend: BackendTarget & {
    endpoint: Reach<Endpoint>
    /** the version GET / must report: the chart's appVersion in the git source */
    version: string
    migrations: MigrationEvidence
    logs: LogSource
  }
  deadlines: Deadlines
  argocdApi: Reach<Endpoint>
  argocdUi: Reach<Endpoint>
  /** the same UI under a name browsers resolve without /etc/hosts (argocd.localhost) */
  argocdUiLocalhost: Reach<Endpoint>
  podinfo: Reach<Endpoint>
  database: Reach<DatabaseAccess>
  redis: Reach<RedisAccess>
  /** human summary printed at start */
  describe: string
}

const need = (ok: boolean, file: string, what: string) => {
  if (!ok) throw new Error(`${file}: ${what}`)
}

/** Reads and checks a profile table; errors name the file and the field. */
export function readProfileTable(name: string, dir = PROFILES_DIR): ProfileTable {
  const file = join(dir, `${name}.yaml`)
  if (!existsSync(file))
    throw new Error(`no profile "${name}" (profiles: ${profileNames().join(', ')})`)
  const t = parseYaml(readFileSync(file, 'utf8')) as ProfileTable
  need(
    t?.cluster === 'local' || t?.cluster === 'kind',
    file,
    `cluster must be local or kind, got ${JSON.stringify(t?.cluster)}`
  )
  need(typeof t.apps === 'string', file, 'apps must name a profile of gitops/apps/values.yaml')
  const g = t.gitops ?? ({} as GitOpsTargets)
  for (const test of ['autoSync', 'selfHeal', 'prune', 'rollback'] as const)
    need(!!g[test]?.app, file, `gitops.${test}.app is missing`)
  for (const test of ['autoSync', 'selfHeal', 'rollback'] as const) {
    const w = g[test].workload
    need(
      !!w && (w.kind === 'Deployment' || w.kind === 'StatefulSet') && !!w.namespace && !!w.name,
      file,
      `gitops.${test}.workload needs kind (Deployment|StatefulSet), namespace, name`
    )
  }
  for (const test of ['autoSync', 'rollback'] as const) {
    need(
      !!g[test].valuesFile && Array.isArray(g[test].key) && g[test].key.length > 0,
      file,
      `gitops.${test} needs valuesFile and key (a list)`
    )
    need(
      g[test].baseline !== undefined &&
        g[test].changed !== undefined &&
        g[test].baseline !== g[test].changed,
      file,
      `gitops.${test} needs baseline and a different changed value`
    )
  }
  need(
    g.selfHeal.drift !== g.selfHeal.baseline,
    file,
    'gitops.selfHeal.drift must differ from its baseline'
  )
  need(
    !!g.prune.namespace && !!g.prune.configMap && !!g.prune.manifest,
    file,
    'gitops.prune needs namespace, configMap, manifest'
  )
  need(
    !!t.backend?.app &&
      !!t.backend.chart &&
      !!t.backend.workload &&
      !!t.backend.podSelector &&
      typeof t.backend.replicas === 'number',
    file,
    'backend needs app, chart, workload, replicas, podSelector'
  )
  return t
}

type Catalogue = {
  profiles: Record<string, string[]>
  apps: Record<
    string,
    {
      project: string
      namespace: string
      path?: string
      valueFiles?: Record<string, string>
      chart?: { repoURL: string; name?: string }
    }
  >
}

/** Apps of a catalogue profile from gitops/apps/values.yaml in the given checkout. */
export function readCatalogue(repoDir: string, profile: string): CatalogueApp[] {
  const file = join(repoDir, 'gitops', 'apps', 'values.yaml')
  if (!existsSync(file)) throw new Error(`GitOps catalogue not found: ${file}`)
  const catalogue = parseYaml(readFileSync(file, 'utf8')) as Catalogue
  const names = catalogue.profiles?.[profile]
  if (!names)
    throw new Error(
      `${file} has no profile "${profile}" ` +
        `(profiles: ${Object.keys(catalogue.profiles ?? {}).join(', ')})`
    )
  return names.map((name) => {
    const app = catalogue.apps[name]
    if (!app) throw new Error(`${file}: profile "${profile}" lists "${name}", which is not in apps`)
    return {
      name,
      project: app.project,
      namespace: app.namespace,
      path: app.path,
      valueFile:
        app.path && app.valueFiles?.[profile] ? join(app.path, app.valueFiles[profile]) : undefined,
      remoteChart: app.chart
        ? `${app.chart.repoURL}${app.chart.name ? `/${app.chart.name}` : ''}`
        : undefined,
    }
  })
}

/**
 * The AppProjects as bootstrap applies them for this source (the placeholder replaced by its URL).
 */
export function readDeclaredProjects(repoDir: string, repoURL: string): AppProject[] {
  const dir = join(repoDir, 'gitops', 'projects')
  if (!existsSync(dir)) throw new Error(`AppProject folder not found: ${dir}`)
  return appProjects(repoURL, repoDir) as unknown as AppProject[]
}

/** appVersion of an in-repo chart: the one project version GET / must report. */
export function chartAppVersion(repoDir: string, chart: string): string {
  const file = join(repoDir, chart, 'Chart.yaml')
  if (!existsSync(file)) throw new Error(`chart ${chart} not found in the git source (${file})`)
  const version = (parseYaml(readFileSync(file, 'utf8')) as { appVersion?: unknown }).appVersion
  if (typeof version !== 'string' || !version) throw new Error(`${file} has no appVersion`)
  return version
}
