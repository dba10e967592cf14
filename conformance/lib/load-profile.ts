/*
 * Builds the Profile of a run: the profile's table (conformance/profiles/<name>.yaml) plus what
 * its cluster says: the local cluster's state file (cluster: local) or the current kubeconfig and
 * the kind state (cluster: kind).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { dataStoreSettings } from '../../scripts/lib/data-store-settings.ts'
import { kindStateFile, readKindState, type KindState } from '../../scripts/lib/kind-state.ts'
import { localDir, readLocalState } from '../../scripts/lib/local-state.ts'
import {
  chartAppVersion,
  reach,
  readCatalogue,
  readDeclaredProjects,
  readProfileTable,
  unreachable,
  type Deadlines,
  type Profile,
  type ProfileTable,
} from './profile.ts'

/** Why this profile cannot run at all (no cluster): thrown with the command that fixes it. */
export class ProfileUnavailable extends Error {}

/**
 * The one place deadlines are set: simulated pods (local)
 * converge in seconds, real ones (kind) need probes to pass.
 */
function deadlines(base: Deadlines): Deadlines {
  const override = Number(process.env.ARK_CONVERGENCE_MS)
  return Number.isFinite(override) && override > 0 ? { ...base, convergenceMs: override } : base
}

export function loadProfile(name: string): Profile {
  const table = readProfileTable(name)
  return table.cluster === 'local' ? loadLocal(name, table) : loadKind(name, table)
}

function loadLocal(name: string, table: ProfileTable): Profile {
  const dir = localDir()
  const state = readLocalState(dir)
  if (!state)
    throw new ProfileUnavailable(
      `no local cluster recorded in ${dir}: run "npm run cluster:local -- up" (same ARK_LOCAL_DIR)`
    )
  if (state.phase !== 'ready')
    throw new ProfileUnavailable(
      `the local cluster in ${dir} is "${state.phase}", not ` +
        'ready: wait for "npm run cluster:local -- up" to finish'
    )
  const repo = state.git.workClone
  const apps = readCatalogue(repo, table.apps)
  const hasPodinfo = apps.some((a) => a.name === 'podinfo')
  // what the backend was started against, as `up` recorded it (a state file older than that
  // record: this machine's settings)
  const stores = state.dataStores ?? dataStoreSettings()
  const migrations = state.backend.migrations
  return {
    name,
    table,
    kubeconfig: state.kubeconfig,
    kubeContext: null,
    argocdNamespace: state.argocd.namespace,
    rootApp: 'root',
    git: {
      workClone: repo,
      bareRepo: state.git.bareRepo,
      url: state.git.url,
      branch: state.git.revision,
    },
    declaredProjects: readDeclaredProjects(repo, state.git.url),
    apps,
    absentAppReason:
      'the local cluster has no internet, so remote charts ' +
      'cannot be fetched, and no ingress controller or storage',
    gitops: table.gitops,
    backend: {
      ...table.backend,
      endpoint: reach({ url: state.backend.url }),
      version: chartAppVersion(repo, table.backend.chart),
      // the API runs as a local process; cluster:local runs
      // its migrations first and records the exit status
      migrations: {
        kind: 'step',
        command: migrations?.command ?? 'node ace migration:run --force',
        exitCode: migrations?.exitCode ?? null,
        log: migrations?.log ?? join(state.logDir, 'backend-migrations.log'),
      },
      logs: { kind: 'file', path: join(state.logDir, 'backend.log') },
    },
    deadlines: deadlines({
      baselineMs: 60_000,
      convergenceMs: 45_000,
      restoreMs: 30_000,
      answerMs: 15_000,
    }),
    argocdApi: reach({ url: state.argocd.api }),
    argocdUi: unreachable(
      'the local profile builds Argo CD from source without its web UI ' +
        '(argocd-server answers a placeholder page, not the UI bundle)'
    ),
    argocdUiLocalhost: unreachable(
      'the local profile has no ingress controller and no Argo CD web ' +
        'UI (source-built argocd-server answers a placeholder page)'
    ),
    podinfo: hasPodinfo
      ? reach({ url: 'http://127.0.0.1:80', host: 'demo.localhost' })
      : unreachable(
          'podinfo is not part of the local profile: its chart is remote ' +
            'and the local profile cannot fetch remote charts (no internet)'
        ),
    database: reach({ kind: 'direct', ...stores.postgres, database: state.backend.database }),
    redis: reach({ kind: 'direct', ...stores.redis }),
    describe:
      `${name}: local cluster ${state.cluster.name} (${dir}), Argo ` +
      `CD ${state.argocd.api}, backend ${state.backend.url}, source ${state.git.url}`,
  }
}

/*
 * kind: the cluster `npm run cluster:up` recorded (.ark/kind/state.json, or ARK_KIND_DIR: its
 * kubeconfig and git source), else the current kubeconfig context ($KUBECONFIG wins over the
 * record). The git source can be given by
 * ARK_GIT_WORKCLONE/ARK_GIT_BARE/ARK_GIT_URL/ARK_GIT_BRANCH. Ingresses
 * answer on 127.0.0.1:80 by Host header (no /etc/hosts, no sudo).
 */
function loadKind(name: string, table: ProfileTable): Profile {
  const stateFile = kindStateFile()
  const record: Partial<KindState> = readKindState() ?? {}
  const recorded = record.git
  const git = {
    workClone: process.env.ARK_GIT_WORKCLONE || recorded?.workClone,
    bareRepo: process.env.ARK_GIT_BARE || recorded?.bareRepo,
    url: process.env.ARK_GIT_URL || recorded?.daemonUrl || recorded?.url,
    branch: process.env.ARK_GIT_BRANCH || recorded?.revision || 'main',
  }
  if (!git.workClone || !git.bareRepo || !git.url) {
    throw new ProfileUnavailable(
      `no git source recorded for the kind cluster (${stateFile}): run "npm ` +
        'run cluster:up", or set ARK_GIT_WORKCLONE, ARK_GIT_BARE and ARK_GIT_URL'
    )
  }
  const kubeconfig =
    process.env.KUBECONFIG?.split(':')[0] ||
    (record.kubeconfig && existsSync(record.kubeconfig) ? record.kubeconfig : null)
  const apps = readCatalogue(git.workClone, table.apps)
  const ingress = (host: string) =>
    reach({ url: process.env.ARK_INGRESS_URL || 'http://127.0.0.1:80', host })
  return {
    name,
    table,
    kubeconfig,
    kubeContext: null,
    argocdNamespace: process.env.ARK_ARGOCD_NAMESPACE || 'argocd',
    rootApp: 'root',
    git: { workClone: git.workClone, bareRepo: git.bareRepo, url: git.url, branch: git.branch },
    declaredProjects: readDeclaredProjects(git.workClone, git.url),
    apps,
    absentAppReason: `the catalogue (gitops/apps/values.yaml) does not list it for "${table.apps}"`,
    gitops: table.gitops,
    backend: {
      ...table.backend,
      endpoint: ingress('api.localhost'),
      version: chartAppVersion(git.workClone, table.backend.chart),
      migrations: { kind: 'init-container', container: 'migrate' },
      logs: { kind: 'pods' },
    },
    deadlines: deadlines({
      baselineMs: 180_000,
      convergenceMs: 150_000,
      restoreMs: 150_000,
      answerMs: 30_000,
    }),
    argocdApi: ingress(process.env.ARK_ARGOCD_HOST || 'argocd.local'),
    argocdUi: ingress(process.env.ARK_ARGOCD_HOST || 'argocd.local'),
    argocdUiLocalhost: ingress('argocd.localhost'),
    podinfo: ingress('demo.localhost'),
    database: reach({
      kind: 'pod',
      namespace: 'demo-platform',
      podSelector: 'app.kubernetes.io/name=postgresql',
      user: 'demouser',
      database: 'demodb',
      passwordEnv: 'POSTGRES_PASSWORD',
    }),
    redis: reach({
      kind: 'pod',
      namespace: 'demo-platform',
      podSelector: 'app.kubernetes.io/name=redis',
      passwordEnv: 'REDIS_PASSWORD',
    }),
    describe:
      `${name}: kind (${kubeconfig ?? 'default kubeconfig'}), ` +
      `ingress 127.0.0.1:80, source ${git.url}`,
  }
}
