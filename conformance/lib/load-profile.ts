/*
 * Builds the Profile of a run: from the local cluster's state file (local)
 * or from the current kubeconfig plus the kind state (kind).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { localDir, readLocalState, repoRoot } from '../../scripts/lib/local-state.ts'
import {
  mutationTargetOf,
  reach,
  readCatalogue,
  readDeclaredProjects,
  unreachable,
  type Profile,
  type ProfileName,
} from './profile.ts'

/** Why this profile cannot run at all (no cluster): thrown with the command that fixes it. */
export class ProfileUnavailable extends Error {}

const ROADMAP_BASELINE = { replicas: 2, memoryLimit: '256Mi' }

export function loadProfile(name: ProfileName): Profile {
  return name === 'local' ? loadLocal() : loadKind()
}

function loadLocal(): Profile {
  const dir = localDir()
  const state = readLocalState(dir)
  if (!state) throw new ProfileUnavailable(`no local cluster recorded in ${dir}: run "npm run cluster:local -- up" (same ARK_LOCAL_DIR)`)
  if (state.phase !== 'ready') throw new ProfileUnavailable(`the local cluster in ${dir} is "${state.phase}", not ready: wait for "npm run cluster:local -- up" to finish`)
  const apps = readCatalogue(state.git.workClone, 'local')
  const target = mutationTargetOf(apps, 'local')
  const hasPodinfo = apps.some((a) => a.name === 'podinfo')
  const db = {
    host: process.env.DB_HOST || '127.0.0.1',
    port: Number(process.env.DB_PORT || 5432),
    user: process.env.DB_USER || 'postgres',
    password: process.env.DB_PASSWORD || undefined,
    database: state.backend.database,
  }
  return {
    name: 'local',
    kubeconfig: state.kubeconfig,
    kubeContext: null,
    argocdNamespace: state.argocd.namespace,
    rootApp: 'root',
    git: { workClone: state.git.workClone, bareRepo: state.git.bareRepo, url: state.git.url, branch: state.git.revision },
    declaredProjects: readDeclaredProjects(state.git.workClone, state.git.url),
    apps,
    target,
    baseline: ROADMAP_BASELINE,
    deadlines: { baselineMs: 60_000, convergenceMs: 45_000, restoreMs: 30_000 },
    backendLog: join(state.logDir, 'backend.log'),
    argocdApi: reach({ url: state.argocd.api }),
    argocdUi: reach({ url: state.argocd.api }),
    backend: reach({ url: state.backend.url }),
    podinfo: hasPodinfo
      ? reach({ url: 'http://127.0.0.1:80', host: 'demo.localhost' })
      : unreachable('podinfo is not part of the local profile: its chart is remote and the local profile cannot fetch remote charts (no internet)'),
    database: reach({ kind: 'direct', ...db }),
    redis: reach({ kind: 'direct', host: process.env.REDIS_HOST || '127.0.0.1', port: Number(process.env.REDIS_PORT || 6379), password: process.env.REDIS_PASSWORD || undefined }),
    backendDeployment: { namespace: target.namespace, name: target.deployment },
    describe: `local cluster ${state.cluster.name} (${dir}), Argo CD ${state.argocd.api}, backend ${state.backend.url}, source ${state.git.url}`,
  }
}

/*
 * kind: the cluster `npm run cluster:up` recorded (.ark/kind/state.json, or ARK_KIND_DIR: its
 * kubeconfig and git source), else the current kubeconfig context ($KUBECONFIG wins over the
 * record). The git source can be given by ARK_GIT_WORKCLONE/ARK_GIT_BARE/ARK_GIT_URL/ARK_GIT_BRANCH.
 * Ingresses answer on 127.0.0.1:80 by Host header (no /etc/hosts, no sudo).
 */
type KindRecord = { kubeconfig?: string; git?: { bareRepo: string; url: string; daemonUrl?: string; revision: string; workClone: string } }

function loadKind(): Profile {
  const kindDir = resolve(process.env.ARK_KIND_DIR || join(repoRoot, '.ark', 'kind'))
  const stateFile = join(kindDir, 'state.json')
  const record: KindRecord = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as KindRecord) : {}
  const recorded = record.git
  const git = {
    workClone: process.env.ARK_GIT_WORKCLONE || recorded?.workClone,
    bareRepo: process.env.ARK_GIT_BARE || recorded?.bareRepo,
    url: process.env.ARK_GIT_URL || recorded?.daemonUrl || recorded?.url,
    branch: process.env.ARK_GIT_BRANCH || recorded?.revision || 'main',
  }
  if (!git.workClone || !git.bareRepo || !git.url) {
    throw new ProfileUnavailable(`no git source recorded for the kind cluster (${stateFile}): run "npm run cluster:up", or set ARK_GIT_WORKCLONE, ARK_GIT_BARE and ARK_GIT_URL`)
  }
  const kubeconfig = process.env.KUBECONFIG?.split(':')[0] || (record.kubeconfig && existsSync(record.kubeconfig) ? record.kubeconfig : null)
  const apps = readCatalogue(git.workClone, 'kind')
  const target = mutationTargetOf(apps, 'kind')
  const ingress = (host: string) => reach({ url: process.env.ARK_INGRESS_URL || 'http://127.0.0.1:80', host })
  return {
    name: 'kind',
    kubeconfig,
    kubeContext: null,
    argocdNamespace: process.env.ARK_ARGOCD_NAMESPACE || 'argocd',
    rootApp: 'root',
    git: { workClone: git.workClone, bareRepo: git.bareRepo, url: git.url, branch: git.branch },
    declaredProjects: readDeclaredProjects(git.workClone, git.url),
    apps,
    target,
    baseline: ROADMAP_BASELINE,
    deadlines: { baselineMs: 180_000, convergenceMs: 150_000, restoreMs: 150_000 },
    backendLog: null,
    argocdApi: ingress(process.env.ARK_ARGOCD_HOST || 'argocd.local'),
    argocdUi: ingress(process.env.ARK_ARGOCD_HOST || 'argocd.local'),
    backend: ingress('api.localhost'),
    podinfo: ingress('demo.localhost'),
    database: reach({ kind: 'pod', namespace: 'demo-platform', podSelector: 'app.kubernetes.io/name=postgresql', user: 'demouser', database: 'demodb', passwordEnv: 'POSTGRES_PASSWORD' }),
    redis: reach({ kind: 'pod', namespace: 'demo-platform', podSelector: 'app.kubernetes.io/name=redis', passwordEnv: 'REDIS_PASSWORD' }),
    backendDeployment: { namespace: target.namespace, name: target.deployment },
    describe: `kind (${kubeconfig ?? 'default kubeconfig'}), ingress 127.0.0.1:80, source ${git.url}`,
  }
}
