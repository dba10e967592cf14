/*
 * The ONE plan runner of scripts/ (cluster-local.ts and cluster-kind.ts): a list of steps run in
 * order, each printed as it starts and as it completes with its time, each registering how to undo
 * what it did — modelled on kyverno/chainsaw's steps, whose cleanups run newest first.
 *
 *   runPlan(steps, { dryRun?, onFailure?, print?, now? }) -> Promise<void>
 *       onFailure "undo" (default): when a step fails, every undo registered so far runs, newest
 *       first, then PlanFailure is thrown — a failed plan leaves nothing behind, so it can re-run.
 *       onFailure "continue": the remaining steps still run (a teardown stops what it can), then
 *       PlanFailure names every step that failed.
 *
 *   Step = { title, run(ctx) }            run may return an Undo: registered under the step's title
 *   ctx.onCleanup(title, undo)            registers an undo (run newest first on failure)
 *   ctx.exec(cmd, args, opts?)            runs a command (scripts/lib/run.ts), printed "$ ..."
 *   ctx.tryExec(cmd, args, opts?)         the same, reporting a failed exit instead of throwing
 *   ctx.act(what, fn, dryValue?)          an in-process action (API call, file, wait),
 *                                         printed "→ what"
 *   ctx.start(spec)                       a supervised background process (supervisor.ts), printed
 *                                         "$ cmd args &"; a dry run returns undefined
 *   ctx.note(line)                        a line of information under the step
 *   ctx.dryRun
 *
 * --dry-run runs every step with a context whose exec/act print what they would do and do nothing
 * (exec returns "", act its dryValue, start undefined) and whose onCleanup prints the undo it would
 * register. So a step does everything with an effect through exec/act/start: then its dry run is
 * its real run's script.
 */
import { run, tryRun, commandLine, type RunOptions, type RunResult } from './run.ts'
import { startProcess, type ProcRecord, type StartOptions } from './supervisor.ts'

export type Undo = () => unknown
export type StepContext = {
  readonly dryRun: boolean
  onCleanup(title: string, undo: Undo): void
  exec(cmd: string, args: string[], opts?: RunOptions): Promise<string>
  tryExec(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>
  act<T = void>(what: string, fn: () => T | Promise<T>, dryValue?: T): Promise<T>
  start(spec: StartOptions): Promise<ProcRecord | undefined>
  note(line: string): void
}
export type Step = {
  title: string
  run(ctx: StepContext): void | Undo | Promise<void | Undo>
}
export type PlanOptions = {
  dryRun?: boolean
  onFailure?: 'undo' | 'continue'
  /** where progress goes (default console.log) */
  print?: (line: string) => void
  /** the clock progress is measured with (default Date.now) */
  now?: () => number
}

export class PlanFailure extends Error {
  override name = 'PlanFailure'
  /** each failed step (several only with onFailure "continue") */
  readonly failures: { step: string; error: Error }[]
  /** undos that failed in turn: what may still be left behind */
  readonly undoFailures: { undo: string; error: Error }[]
  constructor(failures: PlanFailure['failures'], undoFailures: PlanFailure['undoFailures']) {
    const what = failures.map((f) => `${f.step}: ${f.error.message}`).join('\n')
    const undone = undoFailures.map((u) => `${u.undo} (${firstLine(u.error)})`)
    const left = undone.length ? `\nleft behind (an undo failed): ${undone.join('; ')}` : ''
    super(`${what}${left}`)
    this.failures = failures
    this.undoFailures = undoFailures
  }
}

const firstLine = (e: Error) => e.message.split('\n')[0]
const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)))
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`

export async function runPlan(steps: Step[], opts: PlanOptions = {}): Promise<void> {
  const print = opts.print ?? ((line: string) => console.log(line))
  const now = opts.now ?? Date.now
  const dryRun = opts.dryRun ?? false
  const t0 = now()
  const stamp = () => `[${seconds(now() - t0)}]`
  const cleanups: { title: string; undo: Undo }[] = []
  const failures: PlanFailure['failures'] = []

  const ctx: StepContext = {
    dryRun,
    onCleanup(title, undo) {
      if (dryRun) print(`↩ on failure: ${title}`)
      else cleanups.push({ title, undo })
    },
    async exec(cmd, args, runOpts) {
      print(`$ ${commandLine(cmd, args)}`)
      return dryRun ? '' : run(cmd, args, runOpts)
    },
    async tryExec(cmd, args, runOpts) {
      print(`$ ${commandLine(cmd, args)}`)
      return dryRun ? { ok: true, status: 0, stdout: '', output: '' } : tryRun(cmd, args, runOpts)
    },
    async act<T>(what: string, fn: () => T | Promise<T>, dryValue?: T): Promise<T> {
      print(`→ ${what}`)
      return dryRun ? (dryValue as T) : fn()
    },
    async start(spec) {
      print(`$ ${commandLine(spec.cmd, spec.args)} &`)
      return dryRun ? undefined : startProcess(spec)
    },
    note: (line) => print(`  ${line}`),
  }

  for (const [i, step] of steps.entries()) {
    const n = `${i + 1}/${steps.length}`
    print(dryRun ? `\n# ${n} ${step.title}` : `\n${stamp()} ▶ ${n} ${step.title}`)
    const started = now()
    try {
      const undo = await step.run(ctx)
      if (typeof undo === 'function') ctx.onCleanup(`undo ${step.title}`, undo)
      if (!dryRun) print(`${stamp()} ✓ ${n} ${step.title} — ${seconds(now() - started)}`)
    } catch (error) {
      const e = asError(error)
      const took = seconds(now() - started)
      print(`${stamp()} ✗ ${n} ${step.title} — failed after ${took}: ${firstLine(e)}`)
      failures.push({ step: step.title, error: e })
      if ((opts.onFailure ?? 'undo') === 'undo') break
    }
  }
  if (!failures.length) return
  const undoFailures: PlanFailure['undoFailures'] = []
  if ((opts.onFailure ?? 'undo') === 'undo' && cleanups.length) {
    print(`\nundoing ${cleanups.length} registered step(s), newest first:`)
    for (const { title, undo } of cleanups.reverse()) {
      print(`${stamp()} ↩ ${title}`)
      try {
        await undo()
      } catch (error) {
        const e = asError(error)
        print(`  ✗ ${firstLine(e)}`)
        undoFailures.push({ undo: title, error: e })
      }
    }
  }
  throw new PlanFailure(failures, undoFailures)
}
