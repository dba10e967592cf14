/*
 * Command line of conformance/bin/run.ts and bench.ts (scripts/lib/cli.ts: node:util parseArgs,
 * strict, an unknown option is an error): --profile, --keep, suite names as positionals, and the
 * Japa filters passed on to Japa as they were given.
 */
import type { ParseArgsConfig } from 'node:util'
import { parseCommandLine, UsageError } from '../../scripts/lib/cli.ts'
import { profileNames } from './profile.ts'

const SUITES = ['checks', 'framework', 'self'] as const
export type SuiteName = (typeof SUITES)[number]

export type ConformanceArgs = {
  profile: string
  /** --profile or ARK_PROFILE was given (else auto-cluster.ts chooses) */
  profileGiven: boolean
  /** leave a cluster brought up for this run running afterwards */
  keep: boolean
  suites: SuiteName[]
  /** Japa's own flags, e.g. ["--files=03-endpoints"] */
  rest: string[]
}

/**
 * The flags of Japa's CLI (@japa/runner) that make sense here; they are handed to Japa unchanged.
 */
const JAPA_OPTIONS = {
  'files': { type: 'string', multiple: true },
  'tests': { type: 'string', multiple: true },
  'groups': { type: 'string', multiple: true },
  'tags': { type: 'string', multiple: true },
  'timeout': { type: 'string' },
  'retries': { type: 'string' },
  'reporters': { type: 'string', multiple: true },
  'bail-layer': { type: 'string' },
  'match-all': { type: 'boolean' },
  'failed': { type: 'boolean' },
  'bail': { type: 'boolean' },
  'force-exit': { type: 'boolean' },
} satisfies ParseArgsConfig['options']

const usage = () =>
  `usage: npm run conformance -- [--profile ${profileNames().join('|')}] ` +
  `[--keep] [${SUITES.join('|')}]... [--${Object.keys(JAPA_OPTIONS).join(' --')}]`

export function parseArgs(argv: string[]): ConformanceArgs {
  const { values, positionals } = parseCommandLine(
    {
      args: argv,
      allowPositionals: true,
      options: {
        profile: { type: 'string' },
        keep: { type: 'boolean', default: false },
        ...JAPA_OPTIONS,
      },
    },
    usage()
  )
  const unknownSuites = positionals.filter((p) => !(SUITES as readonly string[]).includes(p))
  if (unknownSuites.length)
    throw new UsageError(
      `unknown suite "${unknownSuites[0]}" (suites: ${SUITES.join(', ')})\n${usage()}`
    )
  const chosen = values.profile ?? process.env.ARK_PROFILE
  const origin = values.profile !== undefined ? '--profile' : 'ARK_PROFILE'
  const profiles = profileNames()
  if (chosen !== undefined && !profiles.includes(chosen))
    throw new UsageError(`${origin} must be one of ${profiles.join(', ')}, got "${chosen}"`)
  const rest: string[] = []
  for (const name of Object.keys(JAPA_OPTIONS) as (keyof typeof JAPA_OPTIONS)[]) {
    const value = values[name]
    if (value === true) rest.push(`--${name}`)
    else if (Array.isArray(value)) rest.push(...value.map((v) => `--${name}=${v}`))
    else if (typeof value === 'string') rest.push(`--${name}=${value}`)
  }
  return {
    profile: chosen ?? 'kind',
    profileGiven: chosen !== undefined,
    keep: values.keep,
    suites: positionals.length > 0 ? (positionals as SuiteName[]) : ['checks'],
    rest,
  }
}
