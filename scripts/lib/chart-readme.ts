/*
 * A chart's README.md is generated, never written by hand: the pinned helm-docs renders it from
 * Chart.yaml and the `# --` comments of values.yaml (model: podinfo's chart). `npm run
 * chart-readme` writes it; tests/repo/helm-backend.spec.ts fails when the committed one differs or
 * a value has no description.
 */
import { execFileSync } from 'node:child_process'
import { toolPath } from './toolchain.ts'

/** Charts whose README is generated. */
export const DOCUMENTED_CHARTS = ['helm/backend']

const ARGS = ['--sort-values-order', 'file', '--log-level', 'error']

/** The README helm-docs renders for the chart folder `chartDir` (not written anywhere). */
export function renderChartReadme(chartDir: string): string {
  return execFileSync(
    toolPath('helm-docs'),
    ['--chart-search-root', chartDir, '--dry-run', ...ARGS],
    {
      encoding: 'utf8',
    }
  )
}

/** Writes the chart's README.md. */
export function writeChartReadme(chartDir: string): void {
  execFileSync(toolPath('helm-docs'), ['--chart-search-root', chartDir, ...ARGS], {
    stdio: 'inherit',
  })
}

/**
 * Keys of the rendered values table that have no description (a value without a `# --` comment).
 */
export function undescribedValues(readme: string): string[] {
  return readme
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter(
      (cells) => cells.length === 6 && cells[1] && cells[1] !== 'Key' && !/^-+$/.test(cells[1])
    )
    .filter((cells) => cells[4] === '')
    .map((cells) => cells[1])
}
