/*
 * Registry credentials go to one named registry only (OCI_REGISTRY), and to a
 * token realm only over https on that registry's host or an allow-listed
 * token host; anything else fails with a clear error before a credential
 * leaves. The scripts run as the workflow runs them, against a fake registry
 * whose challenges name the realm each case needs.
 */
import { test } from '@japa/runner'
import {
  startFakeRegistry,
  startTokenHost,
  type FakeRegistry,
  type TokenHost,
} from './lib/fake-registry.ts'
import { runScript } from './lib/run-script.ts'
import { GITHUB_ISSUER, githubActionsToken } from './lib/sigstore-stand-ins.ts'

const USER = 'ci-bot'
const PASSWORD = 'registry-password-of-the-test'
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`

const state = {} as { registry: FakeRegistry; foreign: TokenHost }

const image = () => `${state.registry.host}/${state.registry.repository}@${state.registry.digest}`
const baseEnv = (extra: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  HOME: '/nonexistent',
  NO_COLOR: '1',
  ...extra,
})
const credentialsFor = (registry: string) => ({
  OCI_REGISTRY: registry,
  OCI_REGISTRY_USERNAME: USER,
  OCI_REGISTRY_PASSWORD: PASSWORD,
})
const verify = (env: Record<string, string>) =>
  runScript(
    'scripts/verify-image.ts',
    [
      image(),
      '--certificate-identity',
      'https://example.test/id',
      '--certificate-oidc-issuer',
      GITHUB_ISSUER,
    ],
    baseEnv(env)
  )

test.group('supply chain · registry credentials are bound to their registry', (group) => {
  group.setup(async () => {
    state.registry = await startFakeRegistry()
    state.foreign = await startTokenHost('127.0.0.2')
    return async () => {
      await state.registry.stop()
      await state.foreign.stop()
    }
  })
  group.each.setup(() => {
    state.registry.pullRealm = `http://${state.registry.host}/token`
    state.registry.pushRealm = `http://${state.registry.host}/token`
    state.registry.tokenRequests.length = 0
    state.foreign.requests.length = 0
  })

  test('a token realm on another host is refused; the other host gets nothing', async ({
    assert,
  }) => {
    state.registry.pullRealm = `${state.foreign.origin}/token`
    const run = await verify(credentialsFor(state.registry.host))
    assert.equal(run.code, 1, run.stderr)
    assert.include(run.stderr, 'error [REGISTRY_ERROR]')
    assert.include(run.stderr, `token realm ${state.foreign.origin} is not on 127.0.0.1`)
    assert.include(run.stderr, 'no credentials were sent')
    assert.deepEqual(state.foreign.requests, [])
  })

  test('an allow-listed token host must still be https', async ({ assert }) => {
    state.registry.pullRealm = 'http://auth.registry.test/token'
    const run = await verify({
      ...credentialsFor(state.registry.host),
      OCI_REGISTRY_TOKEN_HOSTS: 'auth.registry.test',
    })
    assert.equal(run.code, 1, run.stderr)
    assert.include(run.stderr, 'token realm http://auth.registry.test is not https')
  })

  test('an allow-listed loopback token host over http is taken (tests only: loopback registry and realm)', async ({
    assert,
  }) => {
    state.registry.pullRealm = `${state.foreign.origin}/token`
    const run = await verify({
      ...credentialsFor(state.registry.host),
      OCI_REGISTRY_TOKEN_HOSTS: '127.0.0.2',
    })
    assert.include(
      run.stderr,
      'error [NO_SIGNATURE]',
      'the manifest was read with the token, then no bundle found'
    )
    assert.deepEqual(
      state.foreign.requests.map((r) => r.authorization),
      [BASIC]
    )
  })

  test('the bound registry gets the credentials at its own realm', async ({ assert }) => {
    const run = await verify(credentialsFor(state.registry.host))
    assert.include(run.stderr, 'error [NO_SIGNATURE]')
    assert.deepEqual(
      state.registry.tokenRequests.map((r) => r.authorization),
      [BASIC]
    )
  })

  test('credentials bound to another registry are not sent to this one (anonymous token request)', async ({
    assert,
  }) => {
    const run = await verify(credentialsFor('ghcr.io'))
    assert.include(run.stderr, 'error [NO_SIGNATURE]')
    assert.lengthOf(state.registry.tokenRequests, 1)
    assert.isUndefined(state.registry.tokenRequests[0].authorization)
  })

  test('credentials without OCI_REGISTRY are a usage error naming it', async ({ assert }) => {
    const run = await verify({ OCI_REGISTRY_USERNAME: USER, OCI_REGISTRY_PASSWORD: PASSWORD })
    assert.equal(run.code, 2)
    assert.include(run.stderr, 'OCI_REGISTRY is not')
    assert.deepEqual(state.registry.tokenRequests, [])
  })

  test('sign-image refuses a push challenge naming a foreign realm before signing or attaching', async ({
    assert,
  }) => {
    state.registry.pushRealm = `${state.foreign.origin}/token`
    const token = githubActionsToken({
      repository: 'acme/app',
      workflowFile: 'backend-ci.yml',
      ref: 'refs/heads/main',
    })
    const run = await runScript(
      'scripts/sign-image.ts',
      [
        image(),
        '--fulcio-url',
        'http://127.0.0.1:9/never',
        '--rekor-url',
        'http://127.0.0.1:9/never',
      ],
      baseEnv({ ...credentialsFor(state.registry.host), SIGSTORE_ID_TOKEN: token })
    )
    assert.equal(run.code, 1, run.stderr)
    assert.include(run.stderr, `token realm ${state.foreign.origin} is not on 127.0.0.1`)
    assert.notInclude(run.stderr, 'keyless signing failed', 'it must stop before contacting Fulcio')
    assert.deepEqual(state.foreign.requests, [])
  })
})
