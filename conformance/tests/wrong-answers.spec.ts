/*
 * No hollow pass: each endpoint check, run against a stub server, passes on the right answer and
 * fails on a deliberately wrong one with a one-line cause naming it. (The Block 7 checks have
 * their proof against the real cluster in conformance/self/.)
 */
import { test } from '@japa/runner'
import type { Check } from '../lib/check.ts'
import { testContext } from '../fixture/context.ts'
import {
  argocdApi,
  argocdUi,
  argocdUiLocalhost,
  authentication,
  backendEndpoints,
  backendVersion,
} from '../checks/endpoints.ts'
import { migrations } from '../checks/platform.ts'
import { json, stubProfile, stubServer, type Route } from './fixtures/stub-profile.ts'
import type { Profile } from '../lib/profile.ts'

const TOKEN = 'aaa.bbb.ccc'
let signedIn = ''
const authorized = (req: { headers: Record<string, unknown> }) =>
  req.headers.authorization === `Bearer ${TOKEN}`

/** The backend as the contract says. */
const backend: Route[] = [
  json('GET', '/', 200, { message: 'Backend API', version: '0.1.0' }),
  json('GET', '/health', 200, { status: 'healthy' }),
  json('GET', '/ready', 200, { status: 'ready', db: 'ok', redis: 'ok' }),
  json('GET', '/v1/hello', 200, { message: 'Hello, World!' }),
  (req, body) =>
    req.method === 'POST' && req.url === '/v1/auth/guest-signin'
      ? {
          status: 201,
          body: JSON.stringify({
            token: TOKEN,
            tokenType: 'Bearer',
            user: { id: 1, username: (signedIn = JSON.parse(body).username) },
          }),
        }
      : undefined,
  (req) =>
    req.url === '/v1/auth/me'
      ? authorized(req)
        ? { status: 200, body: JSON.stringify({ username: signedIn, isGuest: true }) }
        : { status: 401, body: '{}' }
      : undefined,
  (req) =>
    req.url === '/v1/organizations'
      ? authorized(req)
        ? { status: 200, body: '{"data":[]}' }
        : { status: 401, body: '{}' }
      : undefined,
]

/** The Argo CD UI: its page and a bundle of realistic size. */
const argocd: Route[] = [
  json('GET', '/api/version', 200, { Version: 'v3.1.8+abc' }),
  (req) =>
    req.url === '/'
      ? {
          status: 200,
          type: 'text/html; charset=utf-8',
          body:
            '<!doctype html><html><head><title>Argo CD</title><script defer="defer" ' +
            'src="main.0123abcd.js"></script></head><body><div id="app"></div></body></html>',
        }
      : undefined,
  (req) =>
    req.url === '/main.0123abcd.js'
      ? { status: 200, type: 'application/javascript', body: 'x'.repeat(150_000) }
      : undefined,
]

/** Runs a check against a stub; resolves to its one-line cause, or null when it passed. */
async function verdict(
  check: Check,
  routes: Route[],
  profile: (url: string) => Profile = (url) => stubProfile(url)
): Promise<string | null> {
  const stub = await stubServer(routes)
  try {
    return await check.run(testContext(profile(stub.url))).then(
      () => null,
      (e: Error) => e.message
    )
  } finally {
    await stub.close()
  }
}

/** Overrides one route: the first answer wins. */
const wrong = (route: Route, rest: Route[]) => [route, ...rest]

test.group('endpoint checks fail on a wrong answer, with a one-line cause', () => {
  test("Block 9 · GET / answering another version than the chart's appVersion", async ({
    assert,
  }) => {
    assert.isNull(await verdict(backendVersion, backend))
    const cause = await verdict(
      backendVersion,
      wrong(json('GET', '/', 200, { message: 'Backend API', version: '1.0.0' }), backend)
    )
    assert.match(
      cause!,
      /^GET http:\/\/127\.0\.0\.1:\d+\/: failed: "version" is "1\.0\.0", want "0\.1\.0"/
    )
    assert.notInclude(cause!, '\n')
  })

  test('Block 12 · /ready reporting Redis down', async ({ assert }) => {
    assert.isNull(await verdict(backendEndpoints, backend))
    const cause = await verdict(
      backendEndpoints,
      wrong(json('GET', '/ready', 200, { status: 'ready', db: 'ok', redis: 'down' }), backend)
    )
    assert.match(cause!, /\/ready: failed: "redis" is "down", want "ok"/)
  })

  test('Block 15 · a 200 where an invalid token must get 401', async ({ assert }) => {
    assert.isNull(await verdict(authentication, backend))
    const anyBearer: Route = (req) =>
      req.url === '/v1/auth/me' && String(req.headers.authorization ?? '').startsWith('Bearer ')
        ? { status: 200, body: JSON.stringify({ username: signedIn, isGuest: true }) }
        : undefined
    const cause = await verdict(authentication, wrong(anyBearer, backend))
    assert.match(cause!, /^GET \/v1\/auth\/me with an invalid token answered 200, want 401/)
  })

  test('Block 2 · Argo CD UI: a placeholder page without the application bundle', async ({
    assert,
  }) => {
    assert.isNull(await verdict(argocdUi, argocd))
    const placeholder: Route = (req) =>
      req.url === '/'
        ? {
            status: 200,
            type: 'text/html',
            body: '<html><head><title>Argo CD</title></head><body>UI not built</body></html>',
          }
        : undefined
    assert.match(
      (await verdict(argocdUi, wrong(placeholder, argocd)))!,
      /the page loads no script bundle, so it is not the Argo CD UI/
    )
    const tinyBundle: Route = (req) =>
      req.url === '/main.0123abcd.js'
        ? { status: 200, type: 'application/javascript', body: 'console.log(1)' }
        : undefined
    assert.match(
      (await verdict(argocdUi, wrong(tinyBundle, argocd)))!,
      /the UI bundle \/main\.0123abcd\.js is 14 bytes, want the application/
    )
    const otherSite: Route = (req) =>
      req.url === '/'
        ? {
            status: 200,
            type: 'text/html',
            body: '<html><title>nginx</title><script src="a.js"></script></html>',
          }
        : undefined
    assert.match(
      (await verdict(argocdUi, wrong(otherSite, argocd)))!,
      /not the Argo CD UI \(no <title>Argo CD<\/title>\)/
    )
    // the argocd.localhost check is the same verification under the other host name
    assert.isNull(await verdict(argocdUiLocalhost, argocd))
    assert.match(
      (await verdict(argocdUiLocalhost, wrong(placeholder, argocd)))!,
      /the page loads no script bundle/
    )
  })

  test('Block 2 · Argo CD API answering without a version', async ({ assert }) => {
    assert.isNull(await verdict(argocdApi, argocd))
    const cause = await verdict(
      argocdApi,
      wrong(json('GET', '/api/version', 200, { Version: 'placeholder' }), argocd)
    )
    assert.match(cause!, /"Version" is "placeholder", want \/\^v\\d\+/)
  })

  test('Block 13 · a migration step that exited 1, or left no record', async ({ assert }) => {
    const step = (exitCode: number | null) => (url: string) =>
      stubProfile(url, {
        migrations: {
          kind: 'step',
          command: 'node ace migration:run --force',
          exitCode,
          log: '/x/backend-migrations.log',
        },
      })
    assert.isNull(await verdict(migrations, [], step(0)))
    assert.equal(
      await verdict(migrations, [], step(1)),
      'the migration step (node ace migration:run --force) exited 1: see /x/backend-migrations.log'
    )
    assert.match((await verdict(migrations, [], step(null)))!, /^no record of the migration step/)
  })
})
