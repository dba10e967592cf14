/*
 * What a production secret must not be. The HS256 key signs every token, so a
 * value anyone can read (committed in this repository) or guess (low variety)
 * would let anyone forge a token; APP_KEY equal to JWT_SECRET lets one leak
 * expose both. Development and test skip these rules (they use generated values).
 */

/**
 * Every secret value ever committed in the repository's example files
 * (backend/.env.example, gitops/bootstrap/secrets.env.example). Those files now
 * leave secrets empty; a unit test refuses any new non-empty value there that
 * these rules would accept.
 */
export const COMMITTED_EXAMPLE_SECRETS: readonly string[] = [
  'change-me-to-32-random-characters-xx',
  'change-me-to-at-least-32-random-characters',
  'change-me-to-a-secret-of-32-characters-or-more',
]

/** Placeholders in the style of the committed ones are refused too, whatever their suffix. */
const PLACEHOLDER = /change-?me|replace-?me|your[-_]?secret/i

/** A random 32-character secret has ~30 distinct characters; fewer than 10 is a typed pattern. */
export const MIN_DISTINCT_CHARACTERS = 10

export const GENERATE_HINT =
  'generate one with: node -e ' +
  `"console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`

/** Why `value` is unfit as the production secret `name`, or undefined when it is fine. */
export function secretProblem(name: string, value: string): string | undefined {
  if (COMMITTED_EXAMPLE_SECRETS.includes(value) || PLACEHOLDER.test(value)) {
    return (
      `Invalid environment variable "${name}": it is an example value ` +
      `committed in the repository, so anyone could use it; ${GENERATE_HINT}`
    )
  }
  const distinct = new Set(value).size
  if (distinct < MIN_DISTINCT_CHARACTERS) {
    return (
      `Invalid environment variable "${name}": it has only ${distinct} distinct characters ` +
      `(at least ${MIN_DISTINCT_CHARACTERS} required), so it is guessable; ${GENERATE_HINT}`
    )
  }
  return undefined
}

/**
 * Every problem of the production secrets: each of APP_KEY and JWT_SECRET on
 * its own, and the two being the same value.
 */
export function productionSecretProblems(secrets: {
  APP_KEY: string
  JWT_SECRET: string
}): string[] {
  const problems = (['APP_KEY', 'JWT_SECRET'] as const)
    .map((name) => secretProblem(name, secrets[name]))
    .filter((problem): problem is string => problem !== undefined)
  if (secrets.APP_KEY === secrets.JWT_SECRET) {
    problems.push(
      'Invalid environment variables "APP_KEY" and "JWT_SECRET": they must ' +
        `differ (one leaking must not expose the other); ${GENERATE_HINT}`
    )
  }
  return problems
}
