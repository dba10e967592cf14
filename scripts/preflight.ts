#!/usr/bin/env node
/*
 * node scripts/preflight.ts <purpose> <check>...   (checks: go postgres redis redis-server git)
 * Says once, before anything runs, what the machine lacks and the command that fixes it;
 * `npm test` runs it first (the "pretest" script) so a missing service is not a failed assertion
 * deep in a suite. Exit 1 when anything is missing.
 */
import { gitProblem, goProblem, postgresProblem, redisProblem, redisServerProblem, requirePrerequisites, type Check } from './lib/prerequisites.ts'

const checks: Record<string, Check> = { go: goProblem, postgres: postgresProblem, redis: redisProblem, 'redis-server': redisServerProblem, git: gitProblem }
const [purpose, ...names] = process.argv.slice(2)
const unknown = names.filter((n) => !checks[n])
if (!purpose || !names.length || unknown.length) {
  console.error(`usage: node scripts/preflight.ts <purpose> <${Object.keys(checks).join('|')}>...${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`)
  process.exit(2)
}
await requirePrerequisites(purpose, names.map((n) => checks[n]))
