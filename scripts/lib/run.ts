/*
 * The ONE way scripts run a command to its end (long-running components go through supervisor.ts).
 *
 *   run(cmd, args, opts?)     -> Promise<string>     stdout; on failure throws RunError (with the
 *                                                    output's last lines)
 *   tryRun(cmd, args, opts?)  -> Promise<RunResult>  never throws for a failed exit: says why
 *   commandLine(cmd, args)    -> string              the command as a shell line, for printing
 *
 * Options: cwd, env, input (stdin), timeoutMs (default 180 s, 0 for none; the child is killed
 * after it), log (appends "$ command" and the output to that file AS IT COMES, so a heartbeat can
 * read it), echo (the output also goes to this terminal, for commands a person watches: docker
 * build, kind).
 * Asynchronous on purpose: a timer (the toolchain's heartbeat) keeps ticking while it runs.
 */
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { toolchainBinDir } from './toolchain.ts'

export type RunOptions = {
  cwd?: string
  env?: NodeJS.ProcessEnv
  input?: string
  timeoutMs?: number
  log?: string
  echo?: boolean
}

export type RunResult = {
  ok: boolean
  /** exit status, or null when a signal (or the timeout) ended it */
  status: number | null
  stdout: string
  /** stdout and stderr interleaved as they came */
  output: string
  /** why it did not succeed, in one line: "exit 3", "killed by SIGTERM (timeout 180 s)", ... */
  reason?: string
}

export class RunError extends Error {
  override name = 'RunError'
  readonly result: RunResult
  constructor(line: string, result: RunResult) {
    const last = lastLines(result.output, 20)
    super(`${line} failed (${result.reason})${last ? `:\n${last}` : ''}`)
    this.result = result
  }
}

const lastLines = (text: string, n: number) => text.trimEnd().split('\n').slice(-n).join('\n')

/** A binary of the pinned toolchain prints by its name, this Node as `node`: short lines. */
function displayName(cmd: string): string {
  if (cmd === process.execPath) return 'node'
  return dirname(cmd) === toolchainBinDir() ? basename(cmd) : cmd
}

/** Quoted for a shell where needed; a dry run's placeholder ("<redis port>") prints as it is. */
export function commandLine(cmd: string, args: string[]): string {
  return [displayName(cmd), ...args]
    .map((a) =>
      /^[\w@%+=:,./-]+$/.test(a) || /<[^<>']+>/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`
    )
    .join(' ')
}

export function tryRun(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 180_000
  let logFd: number | undefined
  if (opts.log) {
    mkdirSync(dirname(opts.log), { recursive: true })
    logFd = openSync(opts.log, 'a')
    writeSync(logFd, `\n$ ${cmd} ${args.join(' ')}\n`)
  }
  const chunks: string[] = []
  const stdout: string[] = []
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: timeoutMs || undefined,
    })
    const take = (into: string[] | undefined, terminal: NodeJS.WriteStream) => (d: Buffer) => {
      const text = d.toString('utf8')
      chunks.push(text)
      into?.push(text)
      if (logFd !== undefined) writeSync(logFd, text)
      if (opts.echo) terminal.write(text)
    }
    child.stdout!.on('data', take(stdout, process.stdout))
    child.stderr!.on('data', take(undefined, process.stderr))
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}) // a child that exits without reading: its status says why
      child.stdin!.end(opts.input)
    }
    let spawnError: Error | undefined
    child.on('error', (e) => (spawnError = e))
    child.on('close', (status, signal) => {
      if (logFd !== undefined) closeSync(logFd)
      const ok = status === 0 && !spawnError
      const reason = ok
        ? undefined
        : spawnError
          ? spawnError.message
          : signal
            ? `killed by ${signal}${child.killed ? ` (timeout ${timeoutMs / 1000} s)` : ''}`
            : `exit ${status}`
      resolve({ ok, status, stdout: stdout.join(''), output: chunks.join(''), reason })
    })
  })
}

export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const result = await tryRun(cmd, args, opts)
  if (!result.ok) throw new RunError(commandLine(cmd, args.slice(0, 4)), result)
  return result.stdout
}
