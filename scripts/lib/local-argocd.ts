/*
 * Argo CD of the local cluster, as Argo CD's own Procfile runs it for local development
 * (ARGOCD_FAKE_IN_CLUSTER=true): one table of its processes, their environment, and argocd-cm.
 *
 *   argocdProcesses(paths, argocdBinary, state) -> ArgocdProcess[]
 *       in start order, each started once the one before is up
 *   localArgocdCm()                             -> the argocd-cm data the local profile patches in
 *   waitForArgocdCrds(kubeconfig, names)        -> until each CRD is Established
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ApiextensionsV1Api, KubeConfig } from '@kubernetes/client-node'
import { parse } from 'yaml'
import { expect, met, pending } from './expect.ts'
import { argocdNamespace } from './gitops-apply.ts'
import { repoRoot, type LocalPaths, type LocalState } from './local-state.ts'
import { toolchainBinDir } from './toolchain.ts'

/**
 * Argo CD re-reads git and re-compares this often
 * (default 180 s): a new commit shows within ~2x this.
 */
export const RECONCILE_SECONDS = 5
/** The kind profile's argocd-cm patch: the local profile applies its Application health from it. */
export const BOOTSTRAP_ARGOCD_CM = 'gitops/bootstrap/argocd/argocd-cm.yaml'
const APPLICATION_HEALTH = 'resource.customizations.health.argoproj.io_Application'

/** One process of the table. */
type ArgocdProcess = {
  name: string
  /** what it is, for the plan's step title */
  title: string
  cmd: string
  env: NodeJS.ProcessEnv
  /** its command line, given its own listen port and a free port for its metrics */
  args: (port: string, metrics: string) => string[]
  /** up once its port listens, or an HTTP path on it answers; undefined: no listener to probe */
  ready?: 'port' | { http: string }
  /** records its address in the state once its port is chosen */
  record?: (port: string) => void
}

/** `--name value` in order; `true` is a flag without a value. */
const flags = (f: Record<string, string | true>) =>
  Object.entries(f).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, v]))

export function argocdProcesses(
  p: LocalPaths,
  argocdBinary: string,
  state: LocalState
): ArgocdProcess[] {
  const argocd = (name: string) => ({
    name,
    cmd: argocdBinary,
    env: { ...argocdEnv(p), ARGOCD_BINARY_NAME: name },
  })
  // how the controller and the API server reach the cluster, redis and the repo-server
  const clients = () => ({
    'kubeconfig': p.argocdKubeconfig,
    'namespace': argocdNamespace,
    'redis': state.argocd.redis,
    'repo-server': state.argocd.repoServer,
    'repo-server-plaintext': true as const,
  })
  return [
    {
      name: 'argocd-redis',
      title: "argocd-redis: Argo CD's own redis-server (no persistence)",
      cmd: 'redis-server',
      env: process.env,
      args: (port) =>
        flags({
          'bind': '127.0.0.1',
          port,
          'save': '',
          'appendonly': 'no',
          'dir': p.redisData,
          'protected-mode': 'yes',
        }),
      ready: 'port',
      record: (port) => (state.argocd.redis = `127.0.0.1:${port}`),
    },
    {
      ...argocd('argocd-repo-server'),
      title: 'argocd-repo-server (plaintext gRPC; the pinned helm and kustomize first on its PATH)',
      args: (port, metrics) =>
        flags({
          'loglevel': 'info',
          'address': '127.0.0.1',
          port,
          'metrics-address': '127.0.0.1',
          'metrics-port': metrics,
          'redis': state.argocd.redis,
          'disable-tls': true,
        }),
      ready: 'port',
      record: (port) => (state.argocd.repoServer = `127.0.0.1:${port}`),
    },
    {
      ...argocd('argocd-application-controller'),
      title: 'argocd-application-controller (self-heal after 2 s)',
      args: (_, metrics) =>
        flags({
          'loglevel': 'info',
          ...clients(),
          'metrics-port': metrics,
          'self-heal-timeout-seconds': '2',
        }),
    },
    {
      ...argocd('argocd-server'),
      title: 'argocd-server: the API, plain HTTP and auth disabled, loopback only',
      args: (port, metrics) =>
        flags({
          'loglevel': 'info',
          ...clients(),
          'insecure': true,
          'disable-auth': true,
          'address': '127.0.0.1',
          port,
          'metrics-port': metrics,
          'dex-server': 'http://127.0.0.1:1',
        }),
      ready: { http: '/healthz' },
      record: (port) => (state.argocd.api = `http://127.0.0.1:${port}`),
    },
  ]
}

/** Environment of Argo CD's processes, as Argo CD's Procfile sets it for local development. */
function argocdEnv(p: LocalPaths): NodeJS.ProcessEnv {
  const data = p.argocdData
  return {
    ...process.env,
    KUBECONFIG: p.argocdKubeconfig,
    // the repo-server runs helm and kustomize: the pinned ones, never whatever PATH holds
    PATH: `${toolchainBinDir()}:${process.env.PATH}`,
    ARGOCD_FAKE_IN_CLUSTER: 'true',
    // What a real install derives from argocd-cm timeout.reconciliation: the controller's resync
    // period AND the repo-server's cache of branch -> commit (default 3 min, which would hide new
    // commits for minutes).
    ARGOCD_RECONCILIATION_TIMEOUT: `${RECONCILE_SECONDS}s`,
    ARGOCD_RECONCILIATION_JITTER: '0s',
    ARGOCD_TLS_DATA_PATH: join(data, 'tls'),
    ARGOCD_SSH_DATA_PATH: join(data, 'ssh'),
    ARGOCD_GNUPGHOME: join(data, 'gpg/keys'),
    ARGOCD_GPG_DATA_PATH: join(data, 'gpg/source'),
    ARGOCD_GPG_ENABLED: 'false',
    ARGOCD_PLUGINSOCKFILEPATH: join(data, 'tmp'),
    HOME: join(data, 'home'),
    TMPDIR: join(data, 'tmp'),
    HOSTNAME: 'argocd-local',
  }
}

/** The data folders argocdEnv points at. */
export const argocdDataFolders = ['tls', 'ssh', 'gpg/keys', 'gpg/source', 'tmp', 'home']

/** The argocd-cm settings of the local profile, on top of Argo CD's base config. */
export function localArgocdCm(): Record<string, string> {
  const file = join(repoRoot, BOOTSTRAP_ARGOCD_CM)
  const data = (parse(readFileSync(file, 'utf8')) as { data?: Record<string, string> }).data
  const health = data?.[APPLICATION_HEALTH]
  if (!health) throw new Error(`${BOOTSTRAP_ARGOCD_CM} holds no ${APPLICATION_HEALTH}`)
  return {
    // reconcile every few seconds without jitter; plain HTTP API on loopback
    'timeout.reconciliation': `${RECONCILE_SECONDS}s`,
    'timeout.reconciliation.jitter': '0s',
    'url': 'http://127.0.0.1',
    // the kind profile's Application health: the root app's health follows its children in both
    [APPLICATION_HEALTH]: health,
  }
}

/** `kubectl wait` fails while a new CRD has no status yet: probe until each is Established. */
export async function waitForArgocdCrds(kubeconfig: string, names: string[]): Promise<void> {
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfig)
  const api = kc.makeApiClient(ApiextensionsV1Api)
  const established = async () => {
    const crds = await Promise.all(
      names.map((name) => api.readCustomResourceDefinition({ name }).catch(() => undefined))
    )
    const waiting = names.filter(
      (_, i) =>
        !crds[i]?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
    )
    return waiting.length === 0 ? met() : pending(`not Established yet: ${waiting.join(', ')}`)
  }
  await expect('Argo CD CRDs Established', established).within(60_000, { maxDelayMs: 250 })
}
