#!/usr/bin/env node
/*
 * node scripts/preflight.ts <purpose> <check>...   (checks: go postgres redis redis-server git)
 * Says once, before anything runs, what the machine lacks and the command that fixes it;
 * `npm test` runs it first (the "pretest" script) so a missing service is not a failed assertion
 * deep in a suite. Exit 1 when anything is missing.
 */
import { exitStatusOf, parseCommandLine, UsageError } from './lib/cli.ts'
import {
  gitProblem,
  goProblem,
  postgresProblem,
  redisProblem,
  redisServerProblem,
  requirePrerequisites,
  type Check,
} from './lib/prerequisites.ts'

const checks: Record<string, Check> = {
  'go': goProblem,
  'postgres': postgresProblem,
  'redis': redisProblem,
  'redis-server': redisServerProblem,
  'git': gitProblem,
}
const usage = `usage: node scripts/preflight.ts <purpose> <${Object.keys(checks).join('|')}>...`
try {
  const [purpose, ...names] = parseCommandLine(
    { allowPositionals: true, options: {} },
    usage
  ).positionals
  const unknown = names.filter((n) => !checks[n])
  if (!purpose || !names.length || unknown.length)
    throw new UsageError(
      `${unknown.length ? `unknown check: ${unknown.join(', ')}\n` : ''}${usage}`
    )
  await requirePrerequisites(
    purpose,
    names.map((n) => checks[n])
  )
} catch (error) {
  console.error((error as Error).message)
  process.exit(exitStatusOf(error))
}
