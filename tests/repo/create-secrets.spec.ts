/*
 * scripts/create-secrets.ts: .env-style input → the Secrets the values files reference.
 * (Applying them is exercised by cluster:up; here everything up to the API call.)
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import {
  parseEnv,
  readSecretInput,
  secretObjects,
  type SecretInput,
} from '../../scripts/create-secrets.ts'

const run = promisify(execFile)
const tempEnv = (cleanup: (fn: () => void) => void, text: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'ark-secrets-'))
  cleanup(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, '.env')
  writeFileSync(file, text)
  return file
}
const fake: SecretInput = {
  POSTGRES_ADMIN_PASSWORD: 'a'.repeat(20),
  DB_PASSWORD: 'b'.repeat(20),
  REDIS_PASSWORD: 'c'.repeat(20),
  JWT_SECRET: 'd'.repeat(40),
  APP_KEY: 'e'.repeat(40),
}
const secretsOf = (objs: any[]) =>
  Object.fromEntries(
    objs
      .filter((o) => o.kind === 'Secret')
      .map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, Object.keys(o.stringData).sort()])
  )

test.group('create-secrets', () => {
  test('parses .env lines: comments, export, quotes', ({ assert }) => {
    assert.deepEqual(parseEnv('# c\nexport A=1\nB="two words"\nC=\'x\'\n\nbad line\nD='), {
      A: '1',
      B: 'two words',
      C: 'x',
      D: '',
    })
  })

  test('missing or malformed keys: a clear error naming them, the file left as it was', ({
    assert,
    cleanup,
  }) => {
    const file = tempEnv(
      cleanup,
      'DB_PASSWORD=short\nREDIS_PASSWORD=has spaces in it, not url safe\n'
    )
    assert.throws(
      () => readSecretInput(file, 'kind'),
      /POSTGRES_ADMIN_PASSWORD is missing; DB_PASSWORD must have at least 16 characters \(it has 5\); REDIS_PASSWORD may only contain/
    )
    assert.equal(
      readFileSync(file, 'utf8'),
      'DB_PASSWORD=short\nREDIS_PASSWORD=has spaces in it, not url safe\n'
    )
  })

  test("the backend's production rules apply already here: committed, low-variety and shared secrets are refused", ({
    assert,
    cleanup,
  }) => {
    const good = (n: number) => `${n}-abcdefghijklmnopqrstuvwxyz0123456789`
    const cases: Array<[string, RegExp]> = [
      [
        `DB_PASSWORD=${'b'.repeat(20)}\nREDIS_PASSWORD=${good(1)}\n` +
          `JWT_SECRET=${good(2)}\nAPP_KEY=${good(3)}`,
        /"DB_PASSWORD": it has only 1 distinct characters/,
      ],
      [
        `DB_PASSWORD=${good(0)}\nREDIS_PASSWORD=${good(1)}\n` +
          `JWT_SECRET=change-me-to-a-secret-of-32-characters-or-more\nAPP_KEY=${good(3)}`,
        /"JWT_SECRET": it is an example value committed in the repository/,
      ],
      [
        `DB_PASSWORD=${good(0)}\nREDIS_PASSWORD=${good(1)}\n` +
          `JWT_SECRET=${good(2)}\nAPP_KEY=${good(2)}`,
        /"APP_KEY" and "JWT_SECRET": they must differ/,
      ],
    ]
    for (const [text, why] of cases) {
      assert.throws(() => readSecretInput(tempEnv(cleanup, text), 'local'), why)
    }
    assert.equal(
      readSecretInput(tempEnv(cleanup, cases[0][0].replace('b'.repeat(20), good(0))), 'local')
        .DB_PASSWORD,
      good(0)
    )
  })

  test('--generate appends only the missing keys, keeps existing ones, and is idempotent', ({
    assert,
    cleanup,
  }) => {
    const mine = 'kept-0123456789abcdefghijklmnopqrstuvwxyz'
    const file = tempEnv(cleanup, `JWT_SECRET=${mine}`)
    const first = readSecretInput(file, 'kind', { generate: true })
    assert.equal(first.JWT_SECRET, mine)
    assert.match(first.REDIS_PASSWORD, /^[a-f0-9]{48}$/)
    const after = readFileSync(file, 'utf8')
    const second = readSecretInput(file, 'kind', { generate: true })
    assert.deepEqual(second, first)
    assert.equal(readFileSync(file, 'utf8'), after)
  })

  test('the Secrets are exactly the ones the values files and the chart reference', ({
    assert,
  }) => {
    const kind = secretsOf(secretObjects('kind', fake))
    const pg = parse(readFileSync('gitops/apps/values/postgresql/kind.yaml', 'utf8')).auth
    const redis = parse(readFileSync('gitops/apps/values/redis/kind.yaml', 'utf8')).auth
    const podinfo = parse(readFileSync('gitops/apps/values/podinfo/kind.yaml', 'utf8')).extraEnvs[0]
      .valueFrom.secretKeyRef
    const chart = parse(readFileSync('helm/backend/values.yaml', 'utf8')).secrets
    assert.deepEqual(
      kind[`demo-platform/${pg.existingSecret}`],
      [pg.secretKeys.userPasswordKey, pg.secretKeys.adminPasswordKey].sort()
    )
    assert.deepEqual(kind[`demo-platform/${redis.existingSecret}`], [
      redis.existingSecretPasswordKey,
    ])
    assert.deepEqual(kind[`tenant-demo/${podinfo.name}`], [podinfo.key])
    assert.deepEqual(
      kind[`tenant-backend/${chart.app.name}`],
      [
        chart.app.appKeyKey,
        chart.app.jwtSecretKey,
        chart.db.passwordKey,
        chart.redis.passwordKey,
      ].sort()
    )
    assert.deepEqual(Object.keys(secretsOf(secretObjects('local', fake))), [
      'tenant-backend/backend-secrets',
    ])
  })

  test('--dry-run lists names and keys, never values', async ({ assert }) => {
    const { stdout } = await run(process.execPath, [
      'scripts/create-secrets.ts',
      '--profile',
      'kind',
      '--dry-run',
    ])
    assert.include(
      stdout,
      'Secret tenant-backend/backend-secrets keys: APP_KEY, JWT_SECRET, DB_PASSWORD, REDIS_PASSWORD'
    )
    assert.notInclude(stdout, '…')
    await assert.rejects(
      () => run(process.execPath, ['scripts/create-secrets.ts', '--profile', 'prod', '--dry-run']),
      /--profile must be "kind" or "local"/
    )
  })
})
