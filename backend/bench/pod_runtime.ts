/*
 * How the backend pod runs the API, so the benchmarks run both sides that way: under the pod's
 * memory limit (helm/backend/values.yaml, resources.limits.memory) — a memory cgroup per process,
 * as the kubelet sets one — and with the chart's NODE_OPTIONS (config.nodeOptions). Both change
 * what is measured: Node sizes V8's heap from the memory it is constrained to
 * (process.constrainedMemory()), so under 256 MiB the young generation is 2 MB where the same
 * process unconstrained on a 24 GiB machine grows it to 128 MB; the chart's flags then size it.
 * Where this machine does not let the bench create a cgroup, it says why and the sides run
 * unconstrained.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { expect, met, pending } from '../../scripts/lib/expect.ts'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import { procStartTime } from '../../scripts/lib/supervisor.ts'

export const chartValuesPath = join(repoRoot, 'helm', 'backend', 'values.yaml')

const units: Record<string, number> = {
  '': 1,
  'k': 1e3,
  'M': 1e6,
  'G': 1e9,
  'Ki': 2 ** 10,
  'Mi': 2 ** 20,
  'Gi': 2 ** 30,
}

/** A Kubernetes memory quantity ("256Mi", "1G", "134217728") in bytes. */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+)(|k|M|G|Ki|Mi|Gi)$/.exec(String(quantity).trim())
  if (!match) throw new Error(`not a memory quantity this bench reads: ${quantity}`)
  return Number(match[1]) * units[match[2]]
}

/** The backend container's memory limit and Node options in the chart's values. */
export function chartPodRuntime(): { memoryLimit: string; nodeOptions: string } {
  const values = parse(readFileSync(chartValuesPath, 'utf8'))
  const memoryLimit = values?.resources?.limits?.memory
  const nodeOptions = values?.config?.nodeOptions ?? ''
  if (typeof memoryLimit !== 'string') {
    throw new Error(`${chartValuesPath}: no resources.limits.memory`)
  }
  return { memoryLimit, nodeOptions }
}

export type MemoryCgroup = {
  dir: string
  /** the command, entering the cgroup first and then exec'ing (same PID): Node starts inside */
  wrap(cmd: string, args: string[]): { cmd: string; args: string[] }
  /** the most memory the cgroup has been charged, in MB (undefined where the kernel keeps none) */
  peakMb(): number | undefined
  /** times the limit was hit (reclaim was forced; v1 failcnt, v2 memory.events max) */
  limitHits(): number | undefined
  /** removes the cgroup once its processes are gone (the kernel refuses while one is exiting) */
  remove(): Promise<void>
}

/**
 * Removes a cgroup once it holds no process: the kernel refuses while one is still exiting, so
 * that is waited for, up to `timeoutMs`; after that it stays (the next run removes leftovers).
 */
async function removeCgroup(dir: string, timeoutMs: number) {
  await expect(`cgroup ${dir} removed`, () => {
    if (!existsSync(dir)) return met()
    try {
      rmdirSync(dir)
      return met()
    } catch (error) {
      return pending((error as Error).message) // EBUSY while the last process exits
    }
  })
    .within(timeoutMs, { maxDelayMs: 100 })
    .catch(() => {})
}

/**
 * Cgroups named `name` that an earlier run left behind (its bench killed before it stopped its
 * servers): the servers still in them are this bench's own, so they are killed, then the cgroup
 * removed.
 */
async function removeLeftovers(parent: string, name: string) {
  for (const entry of readdirSync(parent)) {
    const pid = Number(new RegExp(`^${name}-(\\d+)$`).exec(entry)?.[1])
    if (!pid || pid === process.pid || procStartTime(pid) !== undefined) continue
    const dir = join(parent, entry)
    try {
      for (const orphan of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
        if (orphan) process.kill(Number(orphan), 'SIGKILL')
      }
    } catch {
      // gone meanwhile
    }
    await removeCgroup(dir, 2000)
  }
}

/** The directory of this process's memory cgroup and the files that version of cgroups uses. */
function ownMemoryCgroup() {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')
  const v1 = lines
    .map((line) => line.split(':'))
    .find(([, controllers]) => controllers.split(',').includes('memory'))
  if (v1 && existsSync('/sys/fs/cgroup/memory')) {
    return {
      dir: join('/sys/fs/cgroup/memory', v1[2]),
      limitFile: 'memory.limit_in_bytes',
      peakFile: 'memory.max_usage_in_bytes',
      hits: (dir: string) => Number(readFileSync(join(dir, 'memory.failcnt'), 'utf8')),
    }
  }
  const v2 = lines.find((line) => line.startsWith('0::'))
  if (v2 && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    return {
      dir: join('/sys/fs/cgroup', v2.slice(3)),
      limitFile: 'memory.max',
      peakFile: 'memory.peak',
      hits: (dir: string) =>
        Number(/^max (\d+)/m.exec(readFileSync(join(dir, 'memory.events'), 'utf8'))?.[1]),
    }
  }
  throw new Error('no memory cgroup controller is mounted')
}

/**
 * A new memory cgroup limited to `bytes`, under this process's own; or the reason there is none
 * (no permission, no memory controller).
 */
export async function createMemoryCgroup(
  name: string,
  bytes: number
): Promise<MemoryCgroup | { reason: string }> {
  try {
    const own = ownMemoryCgroup()
    await removeLeftovers(own.dir, name)
    const dir = join(own.dir, `${name}-${process.pid}`)
    mkdirSync(dir, { recursive: true })
    try {
      writeFileSync(join(dir, own.limitFile), String(bytes))
    } catch (error) {
      rmdirSync(dir)
      throw new Error(
        own.limitFile === 'memory.max'
          ? `the memory controller is not delegated to ${own.dir} (cgroup v2: its ` +
              `cgroup.subtree_control lacks +memory; ${(error as Error).message})`
          : (error as Error).message
      )
    }
    const read = <T>(get: () => T) => {
      try {
        return get()
      } catch {
        return undefined
      }
    }
    return {
      dir,
      wrap: (cmd, args) => ({
        cmd: '/bin/sh',
        args: ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, cmd, ...args],
      }),
      peakMb: () =>
        read(() => Math.round(Number(readFileSync(join(dir, own.peakFile), 'utf8')) / 2 ** 20)),
      limitHits: () => read(() => own.hits(dir)),
      remove: () => removeCgroup(dir, 5000),
    }
  } catch (error) {
    return { reason: (error as Error).message }
  }
}
