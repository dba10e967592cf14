/*
 * A working backend/.env for local development, from backend/.env.example with
 * fresh random secrets (the example leaves them empty on purpose: a committed
 * value would be a public signing key).
 *
 *   npm run backend:env [-- --out backend/.env] [--force]
 *
 * APP_KEY and JWT_SECRET get 32 random bytes each (base64url, two different
 * values); every other line is copied as is. An existing file is kept unless
 * --force. Values are never printed.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { repoRoot } from './lib/local-state.ts'

const GENERATED = ['APP_KEY', 'JWT_SECRET'] as const

/** The example's text with every generated key set to a fresh random value. */
function backendEnvText(example: string): string {
  return example
    .split('\n')
    .map((line) => {
      const key = /^([A-Z_]+)=/.exec(line)?.[1]
      return GENERATED.some((name) => name === key)
        ? `${key}=${randomBytes(32).toString('base64url')}`
        : line
    })
    .join('\n')
}

function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(repoRoot, 'backend', '.env') },
      force: { type: 'boolean', default: false },
    },
  })
  const out = values.out!
  if (existsSync(out) && !values.force) {
    console.error(
      `backend-env: ${relative(process.cwd(), out) || out} ` +
        'exists; kept as it is (--force replaces it)'
    )
    process.exit(1)
  }
  writeFileSync(
    out,
    backendEnvText(readFileSync(join(repoRoot, 'backend', '.env.example'), 'utf8')),
    { mode: 0o600 }
  )
  console.log(
    `backend-env: wrote ${relative(process.cwd(), out) || out} ` +
      `(${GENERATED.join(', ')} generated; edit DB_*/REDIS_* if yours differ)`
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main()
