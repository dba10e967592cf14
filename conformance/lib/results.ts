/*
 * Result model of a conformance run and its two artifacts:
 *   reports/conformance/results.json – for agents and scripts
 *   reports/conformance/junit.xml    – for CI systems (JUnit 4 schema as
 *     Jenkins/GitLab/GitHub test reporters accept it)
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'

export type CheckStatus = 'passed' | 'failed' | 'skipped'

export type Convergence = {
  /** what converged, e.g. "replicas 2→3" */
  label: string
  /** ms from the triggering action (commit / scale) to the probe that saw it */
  actionToObservedMs: number
  /** ms from Argo CD's own completion (sync op finished + health settled, 1 s resolution) to observation; negative when the suite saw it first; null when unknown */
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

export function summarize(profile: string, startedAt: Date, finishedAt: Date, checks: CheckResult[]): RunResult {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length
  return {
    profile,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    summary: { total: checks.length, passed: count('passed'), failed: count('failed'), skipped: count('skipped') },
    checks,
  }
}

/** XML 1.0 forbids most control characters even when escaped: drop them. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

const seconds = (ms: number) => (ms / 1000).toFixed(3)

export function toJUnit(run: RunResult): string {
  const { summary } = run
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="conformance" tests="${summary.total}" failures="${summary.failed}" errors="0" skipped="${summary.skipped}" time="${seconds(run.durationMs)}">`,
    `  <testsuite name="conformance.${xmlEscape(run.profile)}" tests="${summary.total}" failures="${summary.failed}" errors="0" skipped="${summary.skipped}" time="${seconds(run.durationMs)}" timestamp="${run.startedAt.replace(/\.\d+Z$/, '')}" hostname="${xmlEscape(hostname())}">`,
    '    <properties>',
    `      <property name="profile" value="${xmlEscape(run.profile)}"/>`,
    '    </properties>',
  ]
  for (const check of run.checks) {
    const open = `    <testcase classname="conformance.${xmlEscape(run.profile)}.${xmlEscape(check.block)}" name="${xmlEscape(check.name)}" time="${seconds(check.durationMs)}"`
    if (check.status === 'passed' && check.convergence.length === 0) {
      lines.push(`${open}/>`)
      continue
    }
    lines.push(`${open}>`)
    if (check.status === 'failed') {
      lines.push(`      <failure message="${xmlEscape(check.cause ?? 'failed')}" type="ConformanceFailure">${xmlEscape([check.cause, check.diagnostics].filter(Boolean).join('\n\n'))}</failure>`)
    } else if (check.status === 'skipped') {
      lines.push(`      <skipped message="${xmlEscape(check.cause ?? 'skipped')}"/>`)
    }
    if (check.convergence.length > 0) {
      const text = check.convergence
        .map((c) => `${c.label}: action→observed ${c.actionToObservedMs} ms, Argo CD done→observed ${c.argoToObservedMs ?? 'n/a'} ms`)
        .join('\n')
      lines.push(`      <system-out>${xmlEscape(text)}</system-out>`)
    }
    lines.push('    </testcase>')
  }
  lines.push('  </testsuite>', '</testsuites>', '')
  return lines.join('\n')
}

export async function writeReports(dir: string, run: RunResult): Promise<{ json: string; junit: string }> {
  await mkdir(dir, { recursive: true })
  const json = join(dir, 'results.json')
  const junit = join(dir, 'junit.xml')
  await writeFile(json, JSON.stringify(run, null, 2) + '\n')
  await writeFile(junit, toJUnit(run))
  return { json, junit }
}
