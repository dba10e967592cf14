/*
 * npm run backend:env: a working backend/.env from the example, with fresh
 * secrets the production rules accept, never overwriting an existing file.
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEnv } from '../../scripts/create-secrets.ts'
import { productionSecretProblems } from '../../backend/app/services/secret_policy.ts'

type Run = { code: number; stdout: string; stderr: string }

function backendEnv(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/backend-env.ts', ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

test.group('backend:env', (group) => {
  let dir = ''
  group.each.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'ark-backend-env-'))
    return () => rmSync(dir, { recursive: true, force: true })
  })

  test('writes every setting of the example, with two different fresh secrets the production rules accept', async ({
    assert,
  }) => {
    const out = join(dir, '.env')
    const run = await backendEnv('--out', out)
    assert.equal(run.code, 0, run.stderr)
    const example = parseEnv(readFileSync('backend/.env.example', 'utf8'))
    const written = parseEnv(readFileSync(out, 'utf8'))
    assert.sameMembers(Object.keys(written), Object.keys(example))
    for (const [key, value] of Object.entries(example)) {
      if (key !== 'APP_KEY' && key !== 'JWT_SECRET') assert.equal(written[key], value, key)
    }
    assert.deepEqual(
      productionSecretProblems({ APP_KEY: written.APP_KEY, JWT_SECRET: written.JWT_SECRET }),
      []
    )
    assert.isAtLeast(written.JWT_SECRET.length, 32)
    assert.notInclude(run.stdout, written.JWT_SECRET, 'a secret was printed')
    // another run makes other secrets
    const again = join(dir, 'again.env')
    await backendEnv('--out', again)
    assert.notEqual(parseEnv(readFileSync(again, 'utf8')).JWT_SECRET, written.JWT_SECRET)
  })

  test('an existing file is kept unless --force', async ({ assert }) => {
    const out = join(dir, '.env')
    writeFileSync(out, 'MINE=1\n')
    const refused = await backendEnv('--out', out)
    assert.equal(refused.code, 1)
    assert.include(refused.stderr, 'exists; kept as it is (--force replaces it)')
    assert.equal(readFileSync(out, 'utf8'), 'MINE=1\n')
    const forced = await backendEnv('--out', out, '--force')
    assert.equal(forced.code, 0, forced.stderr)
    assert.property(parseEnv(readFileSync(out, 'utf8')), 'JWT_SECRET')
  })
})
