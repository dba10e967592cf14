/*
 * Facts of a running local cluster (npm run cluster:local -- up), as JSON in its state dir.
 *
 *   localDir()            -> the state dir: $ARK_LOCAL_DIR or <repo>/.ark/local (gitignored)
 *   localPaths(dir?)      -> where each thing lives in it (logs/, kubeconfig, git/, ...)
 *   readLocalState(dir?)  -> LocalState | undefined   (undefined: no cluster recorded there)
 *   writeLocalState(s, dir?)
 *   clearLocalState(dir?) -> removes what a local cluster keeps there (never anything else:
 *                            ARK_LOCAL_DIR may point at a folder that holds other files)
 *
 * Two instances coexist when each has its own ARK_LOCAL_DIR: every port is picked free at `up`
 * (the backend takes 3333 only when that is free). The conformance suite reads `kubeconfig`,
 * `argocd.api`, `backend.url`, `dataStores` and `git` from here.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DataStoreSettings } from './data-store-settings.ts'
import type { ProcRecord } from './supervisor.ts'

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)))

export type LocalState = {
  /** schema of this file */
  version: 1
  /** "starting" while `up` runs, "ready" once the backend Application is Synced and Healthy */
  phase: 'starting' | 'ready'
  stateDir: string
  createdAt: string
  /** kwokctl cluster name and its work dir (KWOK_WORKDIR) */
  cluster: { name: string; kwokWorkdir: string; apiServer: string }
  kubeconfig: string
  /** Argo CD API server (plain HTTP, auth disabled, loopback only) */
  argocd: { api: string; namespace: string; repoServer: string; redis: string }
  backend: {
    url: string
    port: number
    database: string
    /**
     * the migration step run before the API starts (what the init
     * container does in kind); read by the conformance suite
     */
    migrations?: { command: string; exitCode: number; finishedAt: string; log: string }
  }
  /**
   * the machine's PostgreSQL and Redis the backend was started against (data-store-settings.ts),
   * password included (the file is 0600, like secrets.json); absent in files written before it
   * existed
   */
  dataStores?: DataStoreSettings
  /**
   * the git source Argo CD reads: bare repo (file://
   * URL), branch, and a working clone to commit through
   */
  git: { bareRepo: string; url: string; revision: string; workClone: string }
  /** every component's log lives here */
  logDir: string
  /** every process this cluster runs, stoppable by recorded PID + start time */
  processes: ProcRecord[]
}

export function localDir(): string {
  return resolve(process.env.ARK_LOCAL_DIR || join(repoRoot, '.ark', 'local'))
}

function stateFile(dir: string): string {
  return join(dir, 'state.json')
}

export function readLocalState(dir = localDir()): LocalState | undefined {
  const f = stateFile(dir)
  if (!existsSync(f)) return undefined
  return JSON.parse(readFileSync(f, 'utf8')) as LocalState
}

/** Atomic write, so a reader never sees half a file. */
export function writeLocalState(state: LocalState, dir = localDir()): void {
  mkdirSync(dir, { recursive: true })
  const tmp = `${stateFile(dir)}.tmp`
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 })
  renameSync(tmp, stateFile(dir))
}

/** Where `cluster:local up` keeps each thing in its state dir. */
export type LocalPaths = {
  dir: string
  logs: string
  kwok: string
  git: string
  kubeconfig: string
  /** the same cluster with namespace argocd as default, for Argo CD's processes */
  argocdKubeconfig: string
  secrets: string
  argocdData: string
  redisData: string
}

export function localPaths(dir = localDir()): LocalPaths {
  return {
    dir,
    logs: join(dir, 'logs'),
    kwok: join(dir, 'kwok'),
    git: join(dir, 'git'),
    kubeconfig: join(dir, 'kubeconfig'),
    argocdKubeconfig: join(dir, 'argocd', 'kubeconfig'),
    secrets: join(dir, 'secrets.json'),
    argocdData: join(dir, 'argocd'),
    redisData: join(dir, 'redis'),
  }
}

/** Everything `cluster:local up` creates in its state dir. */
const stateEntries = [
  'state.json',
  'state.json.tmp',
  'secrets.json',
  'kubeconfig',
  'kwokctl.yaml',
  'logs',
  'kwok',
  'git',
  'argocd',
  'redis',
]

/** Removes what `up` created there; `keepLogs` leaves logs/ for reading after a failed `up`. */
export function clearLocalState(dir = localDir(), opts: { keepLogs?: boolean } = {}): void {
  for (const entry of stateEntries) {
    if (opts.keepLogs && entry === 'logs') continue
    rmSync(join(dir, entry), { recursive: true, force: true })
  }
  try {
    rmdirSync(dir) // only when empty
  } catch {}
}
