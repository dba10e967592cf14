/*
 * One roadmap validation = one check: "Block 7 · self-heal". A check is data (block, name,
 * timeout, appliesTo, run); registerChecks() turns a list of them into Japa tests, decides
 * SKIPPED (with the reason) for profiles they cannot apply to, collects diagnostics when one
 * fails and records convergence timings for the results file. Self-tests run a check's `run`
 * directly with a context of their own (fixture/context.ts testContext).
 */
import { test } from '@japa/runner'
import { createContext, type CheckContext, type Diagnose } from '../fixture/context.ts'
import type { Convergence } from './results.ts'
import { blockLabel, isRoadmapBlock, type BlockNumber } from './blocks.ts'
import { oneLine } from '../../scripts/lib/expect.ts'
import type { Profile } from './profile.ts'

export type { CheckContext } from '../fixture/context.ts'

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

export type Check = {
  /** the roadmap block (1–16) whose validation this is */
  block: BlockNumber
  name: string
  /**
   * hard limit for the whole test incl. restore (ms);
   * expectations use the profile's shorter deadlines
   */
  timeout: (profile: Profile) => number
  /** true when the check applies; otherwise the reason it is skipped in this profile */
  appliesTo?: (profile: Profile) => true | string
  run(ctx: CheckContext): Promise<void>
}

export function check(
  spec: Omit<Check, 'timeout'> & { timeout: number | ((profile: Profile) => number) }
): Check {
  if (!isRoadmapBlock(spec.block))
    throw new Error(
      `check "${spec.name}": block ${spec.block} is not one of the roadmap's blocks 1–16`
    )
  const timeout = spec.timeout
  return { ...spec, timeout: typeof timeout === 'number' ? () => timeout : timeout }
}

export function titleOf(c: Pick<Check, 'block' | 'name'>) {
  return `${blockLabel(c.block)} · ${c.name}`
}

export type ProgressSink = (title: string, message: string) => void
let progressSink: ProgressSink = (_title, message) => process.stdout.write(`    · ${message}\n`)
export function onProgress(sink: ProgressSink) {
  progressSink = sink
}

/* The profile of this run, set once by conformance/bin/run.ts before the spec files load. */
let runProfile: Profile | undefined
export function setRunProfile(profile: Profile) {
  runProfile = profile
}
export function currentProfile(): Profile {
  if (!runProfile)
    throw new Error(
      'no conformance profile is active: run the suite through conformance/bin/run.ts'
    )
  return runProfile
}

/** Registers checks as Japa tests of the current suite, against the run's profile. */
export function registerChecks(checks: Check[]) {
  const profile = currentProfile()
  for (const spec of checks) registerCheck(profile, spec)
}

function registerCheck(profile: Profile, spec: Check) {
  const title = titleOf(spec)
  const record: CheckRecord = {
    block: blockLabel(spec.block),
    name: spec.name,
    title,
    convergence: [],
    diagnostics: null,
    cause: null,
  }
  checkRecords.set(title, record)
  const applies = spec.appliesTo ? spec.appliesTo(profile) : true
  const t = test(title, async () => {
    const explainers: Diagnose[] = []
    const ctx = createContext(profile, {
      log: (message) => progressSink(title, message),
      converged: (entry) => {
        record.convergence.push(entry)
        progressSink(
          title,
          `converged: ${entry.label} in ${entry.actionToObservedMs} ms after the action`
        )
      },
      explainWith: (diagnose) => explainers.push(diagnose),
    })
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
  }).timeout(spec.timeout(profile))
  if (applies !== true) {
    record.cause = applies
    t.skip(true, applies)
  }
  return t
}
