/*
 * Result model of a conformance run and its two artifacts:
 *   reports/conformance/results.json – for agents and scripts
 *   reports/conformance/junit.xml    – for CI systems (JUnit XML as Jenkins/GitLab/GitHub
 *     test reporters accept it, built by junit-report-builder)
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import junitModule, { type Builder } from 'junit-report-builder'

export type CheckStatus = 'passed' | 'failed' | 'skipped'

export type Convergence = {
  /** what converged, e.g. "replicas 2→3" */
  label: string
  /** ms from the triggering action (commit / scale) to the probe that saw it */
  actionToObservedMs: number
  /**
   * ms from Argo CD's own completion (sync op finished + health settled, 1 s
   * resolution) to observation; negative when the suite saw it first; null when unknown
   */
  argoToObservedMs: number | null
}

export type CheckResult = {
  name: string
  block: string
  profile: string
  status: CheckStatus
  durationMs: number
  /** one line: why it failed or was skipped; null when passed */
  cause: string | null
  convergence: Convergence[]
  /** what was collected on failure (Application status, events, pods) */
  diagnostics: string | null
}

export type RunResult = {
  profile: string
  startedAt: string
  finishedAt: string
  durationMs: number
  summary: { total: number; passed: number; failed: number; skipped: number }
  checks: CheckResult[]
}

export function summarize(
  profile: string,
  startedAt: Date,
  finishedAt: Date,
  checks: CheckResult[]
): RunResult {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length
  return {
    profile,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    summary: {
      total: checks.length,
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
    },
    checks,
  }
}

// the package is CommonJS (module.exports = builder) but its types declare an ES default export
const junitBuilder = junitModule as unknown as Builder

/**
 * The builder's XML writer splits only the FIRST "]]>"
 * of a CDATA text; a second one would end it early.
 */
const cdata = (text: string) => text.replaceAll(']]>', ']] >')

/**
 * JUnit XML through junit-report-builder (it escapes text and drops what XML 1.0 cannot carry).
 * A failure carries the cause as its message and cause + diagnostics as its body; a skip carries
 * its reason in system-out (the builder's <skipped/> has no message); convergence timings go to
 * system-out too.
 */
export function toJUnit(run: RunResult): string {
  const report = junitBuilder.newBuilder().name('conformance')
  const suite = report
    .testSuite()
    .name(`conformance.${run.profile}`)
    .timestamp(new Date(run.startedAt))
    .time(run.durationMs / 1000)
    .property('profile', run.profile)
    .property('hostname', hostname())
  for (const check of run.checks) {
    const testCase = suite
      .testCase()
      .className(`conformance.${run.profile}.${check.block}`)
      .name(check.name)
      .time(check.durationMs / 1000)
    const out: string[] = []
    if (check.status === 'failed') {
      testCase
        .failure(check.cause ?? 'failed', 'ConformanceFailure')
        .stacktrace(cdata([check.cause, check.diagnostics].filter(Boolean).join('\n\n')))
    } else if (check.status === 'skipped') {
      testCase.skipped()
      out.push(`skipped: ${check.cause ?? 'no reason given'}`)
    }
    for (const c of check.convergence) {
      out.push(
        `${c.label}: action→observed ${c.actionToObservedMs} ms, ` +
          `Argo CD done→observed ${c.argoToObservedMs ?? 'n/a'} ms`
      )
    }
    if (out.length > 0) testCase.standardOutput(cdata(out.join('\n')))
  }
  return report.build() + '\n'
}

export async function writeReports(
  dir: string,
  run: RunResult
): Promise<{ json: string; junit: string }> {
  await mkdir(dir, { recursive: true })
  const json = join(dir, 'results.json')
  const junit = join(dir, 'junit.xml')
  await writeFile(json, JSON.stringify(run, null, 2) + '\n')
  await writeFile(junit, toJUnit(run))
  return { json, junit }
}
