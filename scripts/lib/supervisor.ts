/*
 * The ONE process supervisor of this repository. Never kills by name.
 *
 *   startProcess({ name, cmd, args, env?, cwd?, log })  -> ProcRecord
 *       spawns detached (own session/process group), stdout+stderr appended to `log`
 *   adoptProcess(name, pid, log?)                       -> ProcRecord | undefined
 *       records a process someone else started (e.g. kwokctl's etcd) so it can be stopped safely
 *   isAlive(rec)                                        -> boolean
 *       the PID exists AND its kernel start time equals the recorded one (a recycled PID is "dead")
 *   stopProcess(rec, { graceMs })                       -> Promise<void>
 *       SIGTERM to the process group, SIGKILL after the grace period
 *   waitForPort(port, { host, timeoutMs, proc })        -> Promise<void>
 *   waitForHttp(url, { timeoutMs, proc, accept })       -> Promise<number>   (status)
 *       both fail early with the log's last lines when `proc` dies meanwhile
 *   freePort(host?)                                     -> Promise<number>
 *   portInUse(port, host?)                              -> Promise<boolean>
 *
 * A ProcRecord is plain JSON (see local-state.ts) so
 * another process can stop what this one started.
 */
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { dirname } from 'node:path'
import {
  describeError,
  expect,
  failed,
  met,
  pending,
  type ExpectationError,
  type Outcome,
} from './expect.ts'
import { tailFile } from './log-tail.ts'

export type ProcRecord = {
  name: string
  pid: number
  /**
   * field 22 of /proc/<pid>/stat (clock ticks since
   * boot): identifies this process, not just its PID
   */
  startTime: string
  cmd: string
  log?: string
}

export type StartOptions = {
  name: string
  cmd: string
  args: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
  log: string
}

/** Start time and state of a PID (zombies included), or undefined when no such PID exists. */
function procStat(pid: number): { startTime: string; zombie: boolean; pgid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may contain spaces/parens: split after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields 22, 3, 5 overall
    return { startTime: rest[19], zombie: rest[0] === 'Z', pgid: Number(rest[2]) }
  } catch {
    return undefined
  }
}

/** Start time of a running process (a zombie has exited: undefined). */
export function procStartTime(pid: number): string | undefined {
  const st = procStat(pid)
  return st && !st.zombie ? st.startTime : undefined
}

export function startProcess(opts: StartOptions): ProcRecord {
  mkdirSync(dirname(opts.log), { recursive: true })
  const fd = openSync(opts.log, 'a')
  writeSync(
    fd,
    `\n# ${new Date().toISOString()} start ${opts.name}: ${opts.cmd} ${opts.args.join(' ')}\n`
  )
  const child = spawn(opts.cmd, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true, // own process group: stopping it also stops what it spawned
    stdio: ['ignore', fd, fd],
  })
  closeSync(fd)
  if (child.pid === undefined) throw new Error(`${opts.name}: could not start ${opts.cmd}`)
  child.unref()
  const startTime = procStartTime(child.pid)
  if (startTime === undefined)
    throw new Error(`${opts.name}: exited at once; see ${opts.log}:\n${tailFile(opts.log)}`)
  return {
    name: opts.name,
    pid: child.pid,
    startTime,
    cmd: `${opts.cmd} ${opts.args.join(' ')}`,
    log: opts.log,
  }
}

export function adoptProcess(name: string, pid: number, log?: string): ProcRecord | undefined {
  const startTime = procStartTime(pid)
  if (startTime === undefined) return undefined
  let cmd = ''
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {}
  return { name, pid, startTime, cmd, log }
}

export function isAlive(rec: ProcRecord): boolean {
  return procStartTime(rec.pid) === rec.startTime
}

/**
 * Live members of the record's process group. Linux never hands out a PID that is still some
 * group's id, so if the PID now belongs to a different process (other start time), the recorded
 * group is gone and nothing may be signalled.
 */
function groupMembers(rec: ProcRecord): number[] {
  const leader = procStat(rec.pid)
  if (leader && leader.startTime !== rec.startTime) return []
  const out: number[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    const st = procStat(Number(d))
    if (st && !st.zombie && st.pgid === rec.pid) out.push(Number(d))
  }
  return out
}

function signal(rec: ProcRecord, sig: NodeJS.Signals): void {
  const targets = new Set<number>(groupMembers(rec))
  if (isAlive(rec)) targets.add(rec.pid)
  for (const pid of targets) {
    try {
      process.kill(pid, sig)
    } catch {}
  }
}

/** Stops the recorded process and the processes of its group; safe when it is already gone. */
export async function stopProcess(rec: ProcRecord, opts: { graceMs?: number } = {}): Promise<void> {
  const gone = () =>
    !isAlive(rec) && groupMembers(rec).length === 0
      ? met()
      : pending(`${rec.name} (pid ${rec.pid}) still running`)
  if (gone().status === 'met') return
  signal(rec, 'SIGTERM')
  try {
    await expect(`${rec.name} stops on SIGTERM`, gone).within(opts.graceMs ?? 5000, {
      maxDelayMs: 100,
    })
    return
  } catch {}
  signal(rec, 'SIGKILL')
  await expect(`${rec.name} stops on SIGKILL`, gone)
    .within(5000, { maxDelayMs: 100 })
    .catch(() => {
      throw new Error(`${rec.name} (pid ${rec.pid}) survived SIGKILL`)
    })
}

export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host })
    sock.setTimeout(1000)
    sock.once('connect', () => {
      sock.destroy()
      resolve(true)
    })
    sock.once('timeout', () => {
      sock.destroy()
      resolve(false)
    })
    sock.once('error', () => resolve(false))
  })
}

/** A port the kernel says is free right now (bind to :0, read it, release it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, host, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

function diedError(proc: ProcRecord): Error {
  return new Error(
    `${proc.name} (pid ${proc.pid}) exited; last lines of ${proc.log}:\n${tailFile(proc.log)}`
  )
}

/** A probe that fails at once, with the log's last lines, when `proc` has died. */
function unlessDied(
  proc: ProcRecord | undefined,
  probe: () => Promise<Outcome<number | undefined>>
): () => Promise<Outcome<number | undefined>> {
  return async () => {
    const outcome = await probe().catch((error: unknown) => pending(describeError(error)))
    if (outcome.status !== 'met' && proc && !isAlive(proc)) return failed(diedError(proc).message)
    return outcome
  }
}

const logTail = (proc?: ProcRecord) =>
  proc ? `; last lines of ${proc.log}:\n${tailFile(proc.log)}` : ''

export async function waitForPort(
  port: number,
  opts: { host?: string; timeoutMs?: number; proc?: ProcRecord } = {}
): Promise<void> {
  const where = `${opts.host ?? '127.0.0.1'}:${port}`
  const listening = unlessDied(opts.proc, async () =>
    (await portInUse(port, opts.host)) ? met() : pending(`nothing listens on ${where}`)
  )
  await expect(`${opts.proc?.name ?? 'port'} listening on ${where}`, listening)
    .within(opts.timeoutMs ?? 30_000, { maxDelayMs: 200 })
    .catch((error: ExpectationError) => {
      throw new Error(
        error.kind === 'contradiction' ? error.reason : `${error.message}${logTail(opts.proc)}`
      )
    })
}

export async function waitForHttp(
  url: string,
  opts: { timeoutMs?: number; proc?: ProcRecord; accept?: (status: number) => boolean } = {}
): Promise<number> {
  const accept = opts.accept ?? ((s: number) => s >= 200 && s < 300)
  const answering = unlessDied(opts.proc, async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
    await res.arrayBuffer()
    return accept(res.status) ? met(res.status) : pending(`HTTP ${res.status}`)
  })
  return (await expect(`${url} answers`, answering)
    .within(opts.timeoutMs ?? 30_000, { maxDelayMs: 250 })
    .catch((error: ExpectationError) => {
      throw new Error(
        error.kind === 'contradiction' ? error.reason : `${error.message}${logTail(opts.proc)}`
      )
    })) as number
}
