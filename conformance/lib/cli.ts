/* Command line of conformance/bin/run.ts: --profile and suite names; everything else goes to Japa. */
import { profileNames } from './profile.ts'

export const SUITES = ['checks', 'framework', 'self'] as const
export type SuiteName = (typeof SUITES)[number]

export function parseArgs(argv: string[]): { profile: string; suites: SuiteName[]; rest: string[] } {
  const PROFILES = profileNames()
  let profile = process.env.ARK_PROFILE ?? 'kind'
  const suites: SuiteName[] = []
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--profile' || arg.startsWith('--profile=')) {
      const value = arg.includes('=') ? arg.split('=')[1] : argv[++i]
      if (!PROFILES.includes(value)) throw new Error(`--profile must be one of ${PROFILES.join(', ')}, got "${value ?? ''}"`)
      profile = value
    } else if ((SUITES as readonly string[]).includes(arg)) {
      suites.push(arg as SuiteName)
    } else {
      rest.push(arg)
    }
  }
  if (!PROFILES.includes(profile)) throw new Error(`ARK_PROFILE must be one of ${PROFILES.join(', ')}, got "${profile}"`)
  return { profile, suites: suites.length > 0 ? suites : ['checks'], rest }
}

