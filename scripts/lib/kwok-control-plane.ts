/*
 * The local cluster's control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
 * and kwok-controller, started by `kwokctl --runtime binary` with the pinned binaries.
 *
 *   kwokctlConfig(binaries, apiPort)  -> the KwokctlConfiguration file's text
 *   adoptControlPlane(state)          -> records kwokctl's processes (its pid files) in the state
 *   linkControlPlaneLogs(state)       -> logs/control-plane -> kwokctl's own log folder
 *   keepControlPlaneLogs(state)       -> copies that folder into logs/ (kwokctl delete removes it)
 *   stopControlPlane(state)           -> kwokctl delete cluster, then by recorded PID what it left
 *   isControlPlane(proc)
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs'
import { join } from 'node:path'
import type { LocalState } from './local-state.ts'
import { tryRun } from './run.ts'
import { adoptProcess, stopProcess, type ProcRecord } from './supervisor.ts'
import { readPins, toolchainBinDir } from './toolchain.ts'

const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok-controller',
] as const
const STOP_GRACE_MS = 5000

/** The pinned binaries kwokctl is given. */
export type ControlPlaneBinary =
  'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubectl' | 'kwok'

export const isControlPlane = (proc: ProcRecord) =>
  (COMPONENTS as readonly string[]).includes(proc.name)

const clusterDir = (state: LocalState) =>
  join(state.cluster.kwokWorkdir, 'clusters', state.cluster.name)
const logsLink = (state: LocalState) => join(state.logDir, 'control-plane')

export function kwokctlConfig(bins: Record<ControlPlaneBinary, string>, apiPort: string): string {
  const pins = readPins().tools
  return [
    'kind: KwokctlConfiguration',
    'apiVersion: config.kwok.x-k8s.io/v1alpha1',
    'options:',
    '  runtime: binary',
    // every control-plane listener on loopback only (kwokctl's default is 0.0.0.0)
    '  bindAddress: 127.0.0.1',
    `  kubeVersion: ${pins.kubernetes.version}`,
    `  etcdVersion: ${pins.etcd.version.replace(/^v/, '')}`,
    `  kubeApiserverPort: ${apiPort}`,
    `  kubeApiserverBinary: ${bins['kube-apiserver']}`,
    `  kubeControllerManagerBinary: ${bins['kube-controller-manager']}`,
    `  kubeSchedulerBinary: ${bins['kube-scheduler']}`,
    `  kubectlBinary: ${bins.kubectl}`,
    `  etcdBinary: ${bins.etcd}`,
    `  kwokControllerBinary: ${bins.kwok}`,
    '',
  ].join('\n')
}

export function adoptControlPlane(state: LocalState): void {
  const pidDir = join(clusterDir(state), 'pids')
  if (!existsSync(pidDir)) return
  for (const f of readdirSync(pidDir).filter((x) => x.endsWith('.pid'))) {
    const name = f.replace(/\.pid$/, '')
    const pid = Number(readFileSync(join(pidDir, f), 'utf8').trim())
    if (!pid || state.processes.some((x) => x.pid === pid)) continue
    const rec = adoptProcess(name, pid, join(clusterDir(state), 'logs', `${name}.log`))
    if (rec) state.processes.push(rec)
  }
}

export function linkControlPlaneLogs(state: LocalState): void {
  const link = logsLink(state)
  if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) return
  // a failed up's copy (keepControlPlaneLogs) gives way to this cluster's logs
  rmSync(link, { recursive: true, force: true })
  symlinkSync(join(clusterDir(state), 'logs'), link)
}

/**
 * After a failed `up`: the control plane's logs stay readable once kwokctl removed its folder.
 * Best effort — it never keeps the control plane from being stopped.
 */
export function keepControlPlaneLogs(state: LocalState): void {
  const link = logsLink(state)
  const source = join(clusterDir(state), 'logs')
  try {
    if (!existsSync(source) || !lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) return
    unlinkSync(link)
    cpSync(source, link, { recursive: true })
  } catch (e) {
    console.warn(`  could not copy the control plane's logs into ${link}: ${(e as Error).message}`)
  }
}

export async function stopControlPlane(state: LocalState): Promise<void> {
  adoptControlPlane(state) // a create that failed half-way recorded none yet
  const kwokctl = join(toolchainBinDir(), 'kwokctl')
  if (existsSync(kwokctl) && existsSync(clusterDir(state))) {
    const r = await tryRun(
      kwokctl,
      ['delete', 'cluster', '--name', state.cluster.name, '--kubeconfig', state.kubeconfig],
      {
        env: { ...process.env, KWOK_WORKDIR: state.cluster.kwokWorkdir },
        log: join(state.logDir, 'kwokctl.log'),
        timeoutMs: 60_000,
      }
    )
    if (!r.ok) console.warn(`  kwokctl delete failed (${r.reason}): stopping its processes by PID`)
  }
  // whatever kwokctl did not stop (or all of it, without kwokctl) goes by recorded PID
  for (const proc of state.processes.filter(isControlPlane))
    await stopProcess(proc, { graceMs: STOP_GRACE_MS })
}
