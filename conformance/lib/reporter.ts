/*
 * Japa reporter of the conformance suite: live progress on the terminal,
 * then reports/conformance/{results.json,junit.xml} (Japa ships no JUnit
 * reporter). Failure output: the one-line cause, then the diagnostics.
 */
import type { NamedReporterContract, TestEndNode, TestStartNode } from '@japa/runner/types'
import { checkRecords, onProgress } from './check.ts'
import { formatMs, oneLine } from '../../scripts/lib/expect.ts'
import { summarize, writeReports, type CheckResult, type RunResult } from './results.ts'

export type ConformanceReporterOptions = {
  profile: string
  outputDir: string
  /** called once the artifacts are written (the bench reads the run from here) */
  onResults?: (run: RunResult) => void
  write?: (text: string) => void
}

const useColor = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: number, text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text)

export function conformanceReporter(options: ConformanceReporterOptions): NamedReporterContract {
  const write = options.write ?? ((text: string) => process.stdout.write(text))
  return {
    name: 'conformance',
    handler: (_runner, emitter) => {
      const results: CheckResult[] = []
      const startedAt = new Date()
      const testStarted = new Map<string, number>()
      onProgress((title, message) => {
        const since = testStarted.get(title)
        const clock = since === undefined ? '' : paint(90, ` +${formatMs(Date.now() - since)}`)
        write(`    ${paint(90, '·')} ${message}${clock}\n`)
      })
      write(`conformance · profile ${options.profile}\n`)
      emitter.on('test:start', (node: TestStartNode) => {
        testStarted.set(node.title.expanded, Date.now())
        if (!node.isSkipped) write(`  ${paint(36, '▶')} ${node.title.expanded}\n`)
      })
      emitter.on('test:end', (node: TestEndNode) => {
        const title = node.title.expanded
        const record = checkRecords.get(title)
        const status =
          node.isSkipped || node.isTodo ? 'skipped' : node.hasError ? 'failed' : 'passed'
        const thrown = node.errors[0]?.error
        const cause =
          status === 'passed'
            ? null
            : status === 'skipped'
              ? (node.skipReason ?? record?.cause ?? 'skipped')
              : (record?.cause ?? oneLine(thrown?.message ?? 'failed'))
        const result: CheckResult = {
          name: title,
          block: record?.block ?? title.split(' · ')[0],
          profile: options.profile,
          status,
          durationMs: Math.round(node.duration),
          cause,
          convergence: record?.convergence ?? [],
          diagnostics: status === 'failed' ? (record?.diagnostics ?? thrown?.stack ?? null) : null,
        }
        results.push(result)
        const mark =
          status === 'passed'
            ? paint(32, '✔')
            : status === 'failed'
              ? paint(31, '✖')
              : paint(33, '−')
        const suffix =
          status === 'skipped'
            ? paint(33, ` SKIPPED: ${cause}`)
            : paint(90, ` (${formatMs(result.durationMs)})`)
        write(`  ${mark} ${title}${suffix}\n`)
        if (status === 'failed') {
          write(`    ${paint(31, `cause: ${cause}`)}\n`)
          if (result.diagnostics) write(result.diagnostics.replace(/^/gm, '      ') + '\n')
        }
      })
      emitter.on('runner:end', async () => {
        const run = summarize(options.profile, startedAt, new Date(), results)
        const files = await writeReports(options.outputDir, run)
        const { summary } = run
        write(
          `\n${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} ` +
            `skipped of ${summary.total} · ${formatMs(run.durationMs)}\n` +
            `results: ${files.json}\njunit:   ${files.junit}\n`
        )
        if (summary.failed > 0) {
          write(paint(31, 'failed checks:\n'))
          for (const c of run.checks.filter((check) => check.status === 'failed'))
            write(`  ✖ ${c.name}: ${c.cause}\n`)
        }
        options.onResults?.(run)
      })
    },
  }
}
