/*
 * The Secrets the apps need, created from .env-style input — nothing secret is ever committed.
 *
 *   npm run secrets -- --profile kind|local [--secrets-file .env] [--kubeconfig path]
 *                      [--generate] [--dry-run]
 *
 * (--secrets-file, not --env-file: Node 24.9 grabs --env-file even after the script name.)
 * Input keys (see gitops/bootstrap/secrets.env.example), each → Secret and key:
 *   POSTGRES_ADMIN_PASSWORD  PostgreSQL superuser
 *                            → demo-platform/postgresql-auth postgres-password
 *   DB_PASSWORD              PostgreSQL user demouser
 *                            → demo-platform/postgresql-auth password
 *                            → tenant-backend/backend-secrets DB_PASSWORD
 *   REDIS_PASSWORD           Redis
 *                            → demo-platform/redis-auth, tenant-demo/redis-auth redis-password
 *                            → tenant-backend/backend-secrets REDIS_PASSWORD
 *   JWT_SECRET, APP_KEY      backend
 *                            → tenant-backend/backend-secrets
 * --generate fills missing keys with random values and appends them to the env file (never
 * overwrites one). Without it, a missing or malformed key is an error naming it. Values are never
 * printed. Re-runs are safe: namespaces and Secrets are server-side applied.
 *
 * Module use: readSecretInput(), secretObjects(profile, input), applySecrets(kubeconfig, objects).
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type KubernetesObject } from '@kubernetes/client-node'
import { exitStatusOf, parseCommandLine } from './lib/cli.ts'
import { repoRoot } from './lib/local-state.ts'
import { serverSideApply } from './lib/server-side-apply.ts'
// The backend's own production rules (committed, low-variety, shared secrets): refused here
// already, instead of as a crash-looping pod later.
import { productionSecretProblems, secretProblem } from '../backend/app/services/secret_policy.ts'

export type Profile = 'kind' | 'local'
export type SecretInput = Record<(typeof secretKeys)[number], string>

/**
 * Every key, with the rule its value must follow.
 * URL-safe: podinfo puts the Redis password in a URL.
 */
const secretKeys = [
  'POSTGRES_ADMIN_PASSWORD',
  'DB_PASSWORD',
  'REDIS_PASSWORD',
  'JWT_SECRET',
  'APP_KEY',
] as const
const minLength: Record<string, number> = {
  POSTGRES_ADMIN_PASSWORD: 16,
  DB_PASSWORD: 16,
  REDIS_PASSWORD: 16,
  JWT_SECRET: 32,
  APP_KEY: 32,
}
const urlSafe = /^[A-Za-z0-9._~-]+$/

/**
 * Which keys a profile needs (local: only the backend's Secret; its pods are simulated by KWOK).
 */
function requiredKeys(profile: Profile): string[] {
  return profile === 'kind'
    ? [...secretKeys]
    : ['DB_PASSWORD', 'REDIS_PASSWORD', 'JWT_SECRET', 'APP_KEY']
}

/** KEY=value lines; # comments, blank lines, optional quotes and `export`. */
export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (!m) continue
    out[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2')
  }
  return out
}

function validateInput(values: Record<string, string>, profile: Profile, source: string): void {
  const errors: string[] = []
  for (const key of requiredKeys(profile)) {
    const v = values[key]
    if (!v) errors.push(`${key} is missing`)
    else if (v.length < minLength[key])
      errors.push(`${key} must have at least ${minLength[key]} characters (it has ${v.length})`)
    else if (!urlSafe.test(v))
      errors.push(`${key} may only contain A-Z a-z 0-9 . _ ~ - (it ends up in a URL)`)
    else if (key !== 'APP_KEY' && key !== 'JWT_SECRET') {
      const problem = secretProblem(key, v)
      if (problem) errors.push(problem)
    }
  }
  if (values.APP_KEY && values.JWT_SECRET && errors.length === 0) {
    errors.push(
      ...productionSecretProblems({ APP_KEY: values.APP_KEY, JWT_SECRET: values.JWT_SECRET })
    )
  }
  if (errors.length)
    throw new Error(`${source}: ${errors.join('; ')} (or run with --generate to fill missing keys)`)
}

/**
 * Reads the env file; with `generate`, appends random
 * values for missing keys first (existing ones are kept).
 */
export function readSecretInput(
  envFile: string,
  profile: Profile,
  opts: { generate?: boolean } = {}
): SecretInput {
  const values = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {}
  if (opts.generate) {
    const missing = requiredKeys(profile).filter((k) => !values[k])
    if (missing.length) {
      const lines = missing.map((k) => `${k}=${(values[k] = randomBytes(24).toString('hex'))}`)
      const prefix =
        existsSync(envFile) && !readFileSync(envFile, 'utf8').endsWith('\n') ? '\n' : ''
      appendFileSync(
        envFile,
        `${prefix}# generated by ` +
          `scripts/create-secrets.ts ${new Date().toISOString()}\n${lines.join('\n')}\n`,
        { mode: 0o600 }
      )
    }
  }
  validateInput(values, profile, envFile)
  return values as SecretInput
}

const label = {
  'app.kubernetes.io/part-of': 'agent-ready-k8s',
  'app.kubernetes.io/managed-by': 'create-secrets',
}

function secret(
  namespace: string,
  name: string,
  stringData: Record<string, string>
): KubernetesObject & { stringData: Record<string, string> } {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace, name, labels: label },
    type: 'Opaque',
    stringData,
  } as KubernetesObject & { stringData: Record<string, string> }
}

/**
 * Namespaces + Secrets of a profile (names and keys match the values files; see docs/gitops.md).
 */
export function secretObjects(profile: Profile, input: SecretInput): KubernetesObject[] {
  const backend = secret('tenant-backend', 'backend-secrets', {
    APP_KEY: input.APP_KEY,
    JWT_SECRET: input.JWT_SECRET,
    DB_PASSWORD: input.DB_PASSWORD,
    REDIS_PASSWORD: input.REDIS_PASSWORD,
  })
  const secrets =
    profile === 'local'
      ? [backend]
      : [
          secret('demo-platform', 'postgresql-auth', {
            'postgres-password': input.POSTGRES_ADMIN_PASSWORD,
            'password': input.DB_PASSWORD,
          }),
          secret('demo-platform', 'redis-auth', { 'redis-password': input.REDIS_PASSWORD }),
          secret('tenant-demo', 'redis-auth', { 'redis-password': input.REDIS_PASSWORD }),
          backend,
        ]
  const namespaces = [...new Set(secrets.map((s) => s.metadata!.namespace!))].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: label },
  }))
  return [...namespaces, ...secrets]
}

/** Stand-in values for describing the objects without reading any secret. */
export const placeholderInput = Object.fromEntries(secretKeys.map((k) => [k, '…'])) as SecretInput

/** One line per object, names and keys only (never values). */
export function describeObjects(objects: KubernetesObject[]): string[] {
  return objects.map((o) =>
    o.kind === 'Secret'
      ? `Secret ${o.metadata!.namespace}/${o.metadata!.name} ` +
        `keys: ${Object.keys((o as { stringData: object }).stringData).join(', ')}`
      : `Namespace ${o.metadata!.name}`
  )
}

export async function applySecrets(kubeconfig: string, objects: KubernetesObject[]): Promise<void> {
  await serverSideApply(kubeconfig, objects, 'agent-ready-k8s-secrets')
}

const usage =
  'usage: npm run secrets -- --profile kind|local [--secrets-file ' +
  '.env] [--kubeconfig path] [--generate] [--dry-run]'

async function main(): Promise<void> {
  const { values: args } = parseCommandLine(
    {
      options: {
        'profile': { type: 'string', default: 'kind' },
        'secrets-file': { type: 'string', default: resolve(repoRoot, '.env') },
        'kubeconfig': { type: 'string', default: process.env.KUBECONFIG },
        'generate': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
      },
    },
    usage
  )
  const profile = args.profile as Profile
  if (profile !== 'kind' && profile !== 'local')
    throw new Error(`--profile must be "kind" or "local", not "${args.profile}"`)
  const envFile = resolve(args['secrets-file']!)
  if (args['dry-run']) {
    console.log(
      `would read ${envFile}${args.generate ? ' (generating missing keys)' : ''} ` +
        'and server-side apply:'
    )
    for (const line of describeObjects(secretObjects(profile, placeholderInput)))
      console.log(`  ${line}`)
    return
  }
  if (!args.kubeconfig) throw new Error('no kubeconfig: pass --kubeconfig or set KUBECONFIG')
  const objects = secretObjects(
    profile,
    readSecretInput(envFile, profile, { generate: args.generate })
  )
  await applySecrets(args.kubeconfig, objects)
  for (const line of describeObjects(objects)) console.log(`  applied ${line}`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`create-secrets: ${(e as Error).message}`)
    process.exit(exitStatusOf(e))
  })
}
