/*
 * The production secret rules and the trusted-proxy setting, on their own
 * (the boot refusing them as a process: tests/functional/process.spec.ts).
 */
import { test } from '@japa/runner'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import app from '@adonisjs/core/services/app'
import { productionSecretProblems, secretProblem } from '#services/secret_policy'
import { parseTrustedProxies } from '#services/trusted_proxies'

const SECRET_KEY = /KEY|SECRET|PASSWORD|TOKEN/

/** KEY=value pairs of every *.env.example tracked in the repository. */
function committedExampleValues() {
  const root = app.makePath('..')
  const files = execFileSync('git', ['ls-files', '*.env.example', '**/*.env.example'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)
  return files.flatMap((file) =>
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
      .filter((match): match is RegExpExecArray => match !== null)
      .map(([, key, value]) => ({ file, key, value }))
  )
}

test.group('production secrets', () => {
  test('a generated secret passes (control)', ({ assert }) => {
    const problems = productionSecretProblems({
      APP_KEY: randomBytes(32).toString('base64url'),
      JWT_SECRET: randomBytes(32).toString('hex'),
    })
    assert.deepEqual(problems, [])
  })

  test('every secret value in a committed *.env.example is empty or refused', ({ assert }) => {
    const entries = committedExampleValues()
    const files = new Set(entries.map((entry) => entry.file))
    assert.includeMembers(
      [...files],
      ['backend/.env.example', 'gitops/bootstrap/secrets.env.example']
    )
    const secrets = entries.filter((entry) => SECRET_KEY.test(entry.key))
    assert.includeMembers(
      secrets.map((entry) => entry.key),
      ['APP_KEY', 'JWT_SECRET', 'DB_PASSWORD', 'REDIS_PASSWORD']
    )
    for (const { file, key, value } of secrets) {
      if (value === '') continue
      assert.isDefined(
        secretProblem(key, value),
        `${file}: ${key}=${value} would boot in production`
      )
    }
  })

  test('refused: {label}')
    .with([
      {
        label: 'the old .env.example JWT_SECRET',
        value: 'change-me-to-a-secret-of-32-characters-or-more',
        why: 'committed in the repository',
      },
      {
        label: 'the old .env.example APP_KEY',
        value: 'change-me-to-at-least-32-random-characters',
        why: 'committed in the repository',
      },
      {
        label: 'a placeholder in their style',
        value: 'CHANGEME-0123456789abcdefghijklmnop',
        why: 'committed in the repository',
      },
      { label: '32 spaces', value: ' '.repeat(32), why: 'only 1 distinct' },
      { label: '32 × a', value: 'a'.repeat(32), why: 'only 1 distinct' },
      { label: 'a short cycle', value: 'abcdefghi'.repeat(4), why: 'only 9 distinct' },
    ])
    .run(({ assert }, { value, why }) => {
      const problem = secretProblem('JWT_SECRET', value)
      assert.include(problem, 'Invalid environment variable "JWT_SECRET"')
      assert.include(problem, why)
      assert.include(problem, "randomBytes(32).toString('base64url')")
    })

  test('APP_KEY equal to JWT_SECRET is refused, naming both', ({ assert }) => {
    const shared = randomBytes(32).toString('base64url')
    const problems = productionSecretProblems({ APP_KEY: shared, JWT_SECRET: shared })
    assert.lengthOf(problems, 1)
    assert.include(problems[0], '"APP_KEY" and "JWT_SECRET"')
  })
})

test.group('TRUSTED_PROXIES', () => {
  test('default: no proxy is trusted, not even loopback', ({ assert }) => {
    for (const value of [undefined, '', ' , ']) {
      const proxies = parseTrustedProxies('TRUSTED_PROXIES', value)
      assert.deepEqual(proxies.cidrs, [])
      assert.isFalse(proxies.trusts('127.0.0.1'))
      assert.isFalse(proxies.trusts('::1'))
    }
  })

  test('CIDRs and single addresses, IPv4 and IPv6', ({ assert }) => {
    const proxies = parseTrustedProxies('TRUSTED_PROXIES', '10.244.0.0/16, 192.0.2.1,fd00::/8')
    assert.deepEqual(proxies.cidrs, ['10.244.0.0/16', '192.0.2.1/32', 'fd00::/8'])
    assert.isTrue(proxies.trusts('10.244.200.3'))
    assert.isTrue(proxies.trusts('::ffff:10.244.0.1'))
    assert.isTrue(proxies.trusts('192.0.2.1'))
    assert.isTrue(proxies.trusts('fd12::1'))
    assert.isFalse(proxies.trusts('10.245.0.1'))
    assert.isFalse(proxies.trusts('192.0.2.2'))
    assert.isFalse(proxies.trusts('fe80::1'))
    assert.isFalse(proxies.trusts('not-an-address'))
  })

  test('a malformed entry ({entry}) stops the boot naming the variable')
    .with([
      { entry: '10.244.0.0/33' },
      { entry: 'fd00::/129' },
      { entry: 'pod-network' },
      { entry: '10.0.0.0/8/1' },
      { entry: '10.0.0.0/x' },
      { entry: '300.1.1.1' },
    ])
    .run(({ assert }, { entry }) => {
      assert.throws(
        () => parseTrustedProxies('TRUSTED_PROXIES', `10.244.0.0/16,${entry}`),
        `Invalid environment variable "TRUSTED_PROXIES": "${entry}" is not an IP address or CIDR`
      )
    })
})
