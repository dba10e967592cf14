/*
 * One roadmap validation = one named Japa test: "Block 7 · self-heal".
 * defineCheck() registers it, decides SKIPPED (with the reason) for profiles
 * it cannot apply to, collects diagnostics when it fails and records
 * convergence timings for the results file.
 */
import { test } from '@japa/runner'
import type { Convergence } from './results.ts'
import { oneLine } from '../../scripts/lib/expect.ts'
import { activeProfile, type Profile } from './profile.ts'

export type CheckRecord = {
  block: string
  name: string
  title: string
  convergence: Convergence[]
  diagnostics: string | null
  cause: string | null
}

/** title → record; read by the reporter when the test ends */
export const checkRecords = new Map<string, CheckRecord>()

export type Diagnose = () => Promise<string>

export type CheckContext = {
  profile: Profile
  /** progress line on the terminal while the check runs */
  log(message: string): void
  /** record a convergence timing (benchmark + results.json) */
  converged(entry: Convergence): void
  /** register what explains a failure of this check (collected only on failure) */
  explainWith(diagnose: Diagnose): void
}

export type CheckSpec = {
  block: string
  name: string
  /** hard limit for the whole test incl. restore (ms); expectations use their own, shorter deadlines */
  timeout: number
  /** true when the check applies; otherwise the reason it is skipped in this profile */
  appliesTo?: (profile: Profile) => true | string
  run(ctx: CheckContext): Promise<void>
}

export type ProgressSink = (title: string, message: string) => void
let progressSink: ProgressSink = (title, message) => process.stdout.write(`    · ${message}\n`)
export function onProgress(sink: ProgressSink) {
  progressSink = sink
}

export function titleOf(block: string, name: string) {
  return `${block} · ${name}`
}

export function defineCheck(spec: CheckSpec) {
  const title = titleOf(spec.block, spec.name)
  const record: CheckRecord = { block: spec.block, name: spec.name, title, convergence: [], diagnostics: null, cause: null }
  checkRecords.set(title, record)
  const profile = activeProfile()
  const applies = spec.appliesTo ? spec.appliesTo(profile) : true
  const t = test(title, async () => {
    const explainers: Diagnose[] = []
    const ctx: CheckContext = {
      profile,
      log: (message) => progressSink(title, message),
      converged: (entry) => {
        record.convergence.push(entry)
        progressSink(title, `converged: ${entry.label} in ${entry.actionToObservedMs} ms after the action`)
      },
      explainWith: (diagnose) => explainers.push(diagnose),
    }
    try {
      await spec.run(ctx)
    } catch (error) {
      record.cause = oneLine(error instanceof Error ? error.message : String(error))
      const parts: string[] = []
      for (const diagnose of explainers) {
        try {
          parts.push(await diagnose())
        } catch (diagError) {
          parts.push(`(diagnostics unavailable: ${oneLine(String(diagError))})`)
        }
      }
      record.diagnostics = parts.length > 0 ? parts.join('\n') : null
      throw error
    }
  }).timeout(spec.timeout)
  if (applies !== true) {
    record.cause = applies
    t.skip(true, applies)
  }
  return t
}
