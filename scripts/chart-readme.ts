#!/usr/bin/env node
/*
 * npm run chart-readme — regenerates the README.md of every documented chart with the pinned
 * helm-docs (from the `# --` comments of its values.yaml). Run it after changing a chart's values.
 */
import { parseArgs } from 'node:util'
import {
  DOCUMENTED_CHARTS,
  undescribedValues,
  renderChartReadme,
  writeChartReadme,
} from './lib/chart-readme.ts'

parseArgs({ args: process.argv.slice(2), options: {}, strict: true })
let missing = 0
for (const chart of DOCUMENTED_CHARTS) {
  writeChartReadme(chart)
  const undescribed = undescribedValues(renderChartReadme(chart))
  for (const key of undescribed)
    console.error(`${chart}/values.yaml: ${key} has no "# --" description`)
  missing += undescribed.length
  console.log(`${chart}/README.md written`)
}
process.exitCode = missing ? 1 : 0
