/*
 * The one way the repository's suites run a long child command: its output is kept for the
 * assertions and echoed, indented under the running test, so a person watching sees progress.
 */
import { spawn } from 'node:child_process'

export type EchoedRun = { code: number | null; out: string; ms: number }

export function runEchoed(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; onOutput?: () => void }
): Promise<EchoedRun> {
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env })
    let out = ''
    const onData = (d: Buffer) => {
      out += d.toString()
      process.stdout.write(`      │ ${d.toString().trimEnd().split('\n').join('\n      │ ')}\n`)
      opts.onOutput?.()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => resolve({ code, out, ms: Date.now() - started }))
  })
}
