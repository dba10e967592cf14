/*
 * Endpoints as the roadmap curls them: Argo CD (Block 2), podinfo (Block 5), the backend's
 * GET / with the deployed version (Block 9), /health, /ready, /v1/hello and the API docs
 * (Block 12), the CRUD round trip (Block 14) and authentication (Block 15).
 */
import { randomBytes } from 'node:crypto'
import { check, type Check } from '../lib/check.ts'
import { collectDiagnostics, tailLog } from '../lib/diagnostics.ts'
import { queryColumn } from '../lib/data-stores.ts'
import {
  describeError,
  expect,
  failed,
  met,
  pending,
  type Outcome,
} from '../../scripts/lib/expect.ts'
import { describeEndpoint, request, type Endpoint, type HttpResponse } from '../lib/http.ts'
import type { BlockNumber } from '../lib/blocks.ts'
import type { Profile, Reach } from '../lib/profile.ts'
import type { CheckContext } from '../fixture/context.ts'

/** A failing backend check shows the backend's log (a file) or its Application, events and pods. */
function explainBackend(ctx: CheckContext) {
  const b = ctx.profile.backend
  ctx.explainWith(async () =>
    b.logs.kind === 'file'
      ? tailLog(b.logs.path)
      : collectDiagnostics(ctx.kube, {
          argocdNamespace: ctx.profile.argocdNamespace,
          app: b.app,
          namespace: b.workload.namespace,
        })
  )
}
const needs = (pick: (p: Profile) => Reach<unknown>) => (p: Profile) => {
  const r = pick(p)
  return r.ok ? true : r.reason
}
const endpointOf = (r: Reach<Endpoint>) => {
  if (!r.ok) throw new Error(r.reason)
  return r.value
}

/**
 * GET until it answers `status`; then `verify` decides (a
 * wrong body on the right status is a contradiction).
 */
function expectGet(
  ctx: CheckContext,
  endpoint: Endpoint,
  path: string,
  status: number,
  verify: (res: HttpResponse) => Outcome<HttpResponse> = met
) {
  return expect(`GET ${describeEndpoint(endpoint, path)}`, async () => {
    const res = await request(endpoint, path)
    if (res.status !== status)
      return pending(`answered ${res.status}, want ${status}: ${res.body.slice(0, 160)}`)
    return verify(res)
  }).within(ctx.deadlines.answerMs)
}

const jsonHas = (res: HttpResponse, fields: Record<string, unknown>): Outcome<HttpResponse> => {
  let body: Record<string, unknown>
  try {
    body = res.json()
  } catch (error) {
    return failed(describeError(error))
  }
  for (const [key, want] of Object.entries(fields)) {
    const got = body[key]
    const ok = want instanceof RegExp ? typeof got === 'string' && want.test(got) : got === want
    if (!ok)
      return failed(
        `"${key}" is ${JSON.stringify(got)}, ` +
          `want ${want instanceof RegExp ? want : JSON.stringify(want)} ` +
          `(body ${res.body.slice(0, 160)})`
      )
  }
  return met(res)
}

const contentType = (res: HttpResponse) => String(res.headers['content-type'] ?? '')
const isHtml = (res: HttpResponse): Outcome<HttpResponse> =>
  contentType(res).includes('text/html')
    ? met(res)
    : failed(`content-type is ${contentType(res) || 'missing'}, want text/html`)

/**
 * A check of one endpoint of the profile: SKIPPED
 * with the profile's reason when it cannot reach it.
 */
function endpointCheck(
  block: BlockNumber,
  name: string,
  pick: (p: Profile) => Reach<Endpoint>,
  run: (ctx: CheckContext, endpoint: Endpoint) => Promise<void>
): Check {
  return check({
    block,
    name,
    timeout: 40_000,
    appliesTo: needs(pick),
    run: (ctx) => run(ctx, endpointOf(pick(ctx.profile))),
  })
}

export const argocdApi = endpointCheck(
  2,
  'Argo CD API answers',
  (p) => p.argocdApi,
  async (ctx, api) => {
    await expectGet(ctx, api, '/api/version', 200, (res) =>
      jsonHas(res, { Version: /^v\d+\.\d+\.\d+/ })
    )
  }
)

/**
 * The Argo CD web UI is its page plus the application bundle
 * the page loads (a placeholder page has no bundle).
 */
const UI_BUNDLE_MIN_BYTES = 100_000

async function argocdUiServed(ctx: CheckContext, ui: Endpoint) {
  const page = await expectGet(ctx, ui, '/', 200, (res) => {
    const html = isHtml(res)
    if (html.status !== 'met') return html
    if (!/<title>\s*Argo CD\s*<\/title>/i.test(res.body))
      return failed(
        `the page is not the Argo CD UI (no <title>Argo CD</title>): ${res.body.slice(0, 160)}`
      )
    return met(res)
  })
  const scripts = [...page.body.matchAll(/<script[^>]*\ssrc="([^"]+\.js)"/gi)].map((m) => m[1])
  if (scripts.length === 0)
    throw new Error(
      `GET ${describeEndpoint(ui, '/')}: the page loads ` +
        'no script bundle, so it is not the Argo CD UI'
    )
  const bundle = new URL(scripts[scripts.length - 1], 'http://x/').pathname
  await expectGet(ctx, ui, bundle, 200, (res) => {
    if (!/javascript/.test(contentType(res)))
      return failed(
        `the UI bundle ${bundle} has content-type ${contentType(res) || 'missing'}, want JavaScript`
      )
    if (Buffer.byteLength(res.body) < UI_BUNDLE_MIN_BYTES)
      return failed(
        `the UI bundle ${bundle} is ${Buffer.byteLength(res.body)} ` +
          `bytes, want the application (≥ ${UI_BUNDLE_MIN_BYTES})`
      )
    return met(res)
  })
}

export const argocdUi = endpointCheck(
  2,
  'Argo CD UI (page and app bundle)',
  (p) => p.argocdUi,
  argocdUiServed
)
/**
 * The Ingress answers argocd.localhost too: browsers resolve
 * *.localhost to loopback without an /etc/hosts entry.
 */
export const argocdUiLocalhost = endpointCheck(
  2,
  'Argo CD UI at argocd.localhost',
  (p) => p.argocdUiLocalhost,
  argocdUiServed
)

const podinfo = endpointCheck(
  5,
  'podinfo JSON 6.9.2 and Redis cache',
  (p) => p.podinfo,
  async (ctx, endpoint) => {
    await expectGet(ctx, endpoint, '/', 200, (res) => jsonHas(res, { version: '6.9.2' }))
    const key = `conformance-${randomBytes(4).toString('hex')}`
    const value = `probe-${Date.now()}`
    await expect(
      `podinfo cache round trip ${describeEndpoint(endpoint, `/cache/${key}`)}`,
      async () => {
        const put = await request(endpoint, `/cache/${key}`, { method: 'POST', body: value })
        if (put.status >= 300)
          return pending(
            `POST /cache/${key} answered ${put.status}: ${put.body.slice(0, 160)} ` +
              `(is podinfo's redis cache configured?)`
          )
        const got = await request(endpoint, `/cache/${key}`)
        if (got.status !== 200) return pending(`GET /cache/${key} answered ${got.status}`)
        if (!got.body.includes(value))
          return failed(`GET /cache/${key} returned ${got.body.slice(0, 160)}, want ${value}`)
        await request(endpoint, `/cache/${key}`, { method: 'DELETE' })
        return met()
      }
    ).within(ctx.deadlines.answerMs)
  }
)

/** A backend check: a failure shows the backend's log or its Application, events and pods. */
function backendCheck(
  block: BlockNumber,
  name: string,
  run: (ctx: CheckContext, api: Endpoint) => Promise<void>
): Check {
  return endpointCheck(
    block,
    name,
    (p) => p.backend.endpoint,
    async (ctx, api) => {
      explainBackend(ctx)
      await run(ctx, api)
    }
  )
}

export const backendVersion = backendCheck(
  9,
  'GET / reports the deployed version',
  async (ctx, api) => {
    await expectGet(ctx, api, '/', 200, (res) =>
      jsonHas(res, { message: 'Backend API', version: ctx.profile.backend.version })
    )
  }
)

export const backendEndpoints = backendCheck(12, '/health, /ready, /v1/hello', async (ctx, api) => {
  await expectGet(ctx, api, '/health', 200, (res) => jsonHas(res, { status: 'healthy' }))
  await expectGet(ctx, api, '/ready', 200, (res) =>
    jsonHas(res, { status: 'ready', db: 'ok', redis: 'ok' })
  )
  await expectGet(ctx, api, '/v1/hello', 200, (res) => jsonHas(res, { message: 'Hello, World!' }))
})

const apiDocs = backendCheck(12, 'OpenAPI at /docs and /openapi.json', async (ctx, api) => {
  await expectGet(ctx, api, '/docs', 200, isHtml)
  await expectGet(ctx, api, '/openapi.json', 200, (res) => {
    const doc = jsonHas(res, { openapi: /^3\./ })
    if (doc.status !== 'met') return doc
    const paths = Object.keys(res.json().paths ?? {})
    const missing = [
      '/v1/auth/guest-signin',
      '/v1/auth/me',
      '/v1/organizations',
      '/v1/organizations/{id}',
      '/v1/organizations/{orgId}/projects',
      '/v1/projects/{id}',
    ].filter((p) => !paths.includes(p))
    return missing.length === 0
      ? met(res)
      : failed(`/openapi.json does not document ${missing.join(', ')} (has ${paths.join(', ')})`)
  })
})

type Session = { token: string; user: { id: number; username: string } }

/** Guest sign-in; one POST per attempt with a fresh name (a POST is not retried blindly). */
async function signIn(ctx: CheckContext, api: Endpoint, created: string[]): Promise<Session> {
  return expect(`POST ${describeEndpoint(api, '/v1/auth/guest-signin')}`, async () => {
    const username = `conf_${randomBytes(5).toString('hex')}`
    const res = await request(api, '/v1/auth/guest-signin', { method: 'POST', body: { username } })
    if (res.status === 201) {
      created.push(username)
      const body = res.json()
      if (
        typeof body.token !== 'string' ||
        body.tokenType !== 'Bearer' ||
        body.user?.username !== username
      )
        return failed(`sign-in body lacks token/tokenType/user: ${res.body.slice(0, 200)}`)
      return met({ token: body.token as string, user: body.user })
    }
    if (res.status === 429 || res.status >= 500)
      return pending(`answered ${res.status}: ${res.body.slice(0, 160)}`)
    return failed(`answered ${res.status}, want 201: ${res.body.slice(0, 160)}`)
  }).within(ctx.deadlines.answerMs)
}

/**
 * Guest users the checks created are deleted again
 * through the database, where the profile reaches it.
 */
async function forgetUsers(ctx: CheckContext, usernames: string[]) {
  if (usernames.length === 0 || !ctx.profile.database.ok) return
  try {
    await queryColumn(
      ctx.kube,
      ctx.profile.database.value,
      "DELETE FROM users WHERE username = ANY(string_to_array($1, ',')) RETURNING id",
      [usernames.join(',')]
    )
  } catch (error) {
    ctx.log(`could not delete the probe users ${usernames.join(', ')}: ${describeError(error)}`)
  }
}

async function call(
  api: Endpoint,
  token: string,
  method: string,
  path: string,
  want: number,
  body?: unknown
): Promise<any> {
  const res = await request(api, path, {
    method,
    body,
    headers: { authorization: `Bearer ${token}` },
  })
  if (res.status !== want)
    throw new Error(
      `${method} ${path} answered ${res.status}, want ${want}: ${res.body.slice(0, 200)}`
    )
  return res.body ? res.json() : null
}

/** A check that signs in one guest on the backend; the guest is deleted again, pass or fail. */
function guestCheck(
  block: BlockNumber,
  name: string,
  body: (api: Endpoint, session: Session) => Promise<void>
): Check {
  return backendCheck(block, name, async (ctx, api) => {
    const created: string[] = []
    try {
      await body(api, await signIn(ctx, api, created))
    } finally {
      await forgetUsers(ctx, created)
    }
  })
}

export const authentication = guestCheck(
  15,
  'guest sign-in, JWT, 401 without a valid token',
  async (api, session) => {
    const me = await call(api, session.token, 'GET', '/v1/auth/me', 200)
    if (me.username !== session.user.username || me.isGuest !== true)
      throw new Error(
        `/v1/auth/me returned ${JSON.stringify(me)}, want ` +
          `the signed-in guest ${session.user.username}`
      )
    const orgs = await call(api, session.token, 'GET', '/v1/organizations', 200)
    if (!Array.isArray(orgs?.data))
      throw new Error(
        'GET /v1/organizations with a token ' +
          `returned ${JSON.stringify(orgs).slice(0, 200)}, want a list under "data"`
      )
    // a token of the right shape whose signature is wrong, then none at all
    const headerAndClaims = session.token.split('.').slice(0, 2).join('.')
    const forged = `${headerAndClaims}.${Buffer.from('not-the-signature').toString('base64url')}`
    for (const [label, headers] of [
      ['an invalid token', { authorization: `Bearer ${forged}` }],
      ['no token', {}],
    ] as const) {
      for (const path of ['/v1/auth/me', '/v1/organizations']) {
        const res = await request(api, path, { headers })
        if (res.status !== 401)
          throw new Error(
            `GET ${path} with ${label} answered ${res.status}, want 401: ${res.body.slice(0, 160)}`
          )
      }
    }
  }
)

const crudRoundTrip = guestCheck(14, 'organization + project CRUD', async (api, { token }) => {
  let orgId: number | undefined
  try {
    const org = await call(api, token, 'POST', '/v1/organizations', 201, { name: 'Acme Corp' })
    orgId = org.id
    const orgs = await call(api, token, 'GET', '/v1/organizations', 200)
    if (!orgs.data?.some((o: { id: number }) => o.id === org.id))
      throw new Error(
        'GET /v1/organizations lacks the new ' +
          `organization ${org.id}: ${JSON.stringify(orgs).slice(0, 200)}`
      )
    const renamed = await call(api, token, 'PUT', `/v1/organizations/${org.id}`, 200, {
      name: 'Acme Corp renamed',
    })
    if (renamed.name !== 'Acme Corp renamed')
      throw new Error(`PUT organization returned ${JSON.stringify(renamed)}`)
    const again = await call(api, token, 'GET', `/v1/organizations/${org.id}`, 200)
    if (again.name !== 'Acme Corp renamed')
      throw new Error(`GET organization after PUT returned ${JSON.stringify(again)}`)
    const project = await call(api, token, 'POST', `/v1/organizations/${org.id}/projects`, 201, {
      name: 'Project Alpha',
      description: 'round trip',
    })
    if (project.organizationId !== org.id)
      throw new Error(`project ${JSON.stringify(project)} is not in organization ${org.id}`)
    const list = await call(api, token, 'GET', `/v1/organizations/${org.id}/projects`, 200)
    if (!Array.isArray(list.data) || !list.data.some((p: { id: number }) => p.id === project.id))
      throw new Error(`project list lacks ${project.id}: ${JSON.stringify(list).slice(0, 200)}`)
    const updated = await call(api, token, 'PUT', `/v1/projects/${project.id}`, 200, {
      description: 'updated',
    })
    if (updated.description !== 'updated')
      throw new Error(`PUT project returned ${JSON.stringify(updated)}`)
    await call(api, token, 'DELETE', `/v1/projects/${project.id}`, 204)
    await call(api, token, 'GET', `/v1/projects/${project.id}`, 404)
    await call(api, token, 'DELETE', `/v1/organizations/${org.id}`, 204)
    orgId = undefined
  } finally {
    if (orgId !== undefined)
      await request(api, `/v1/organizations/${orgId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      }).catch(() => undefined)
  }
})

export const endpointChecks = [
  argocdApi,
  argocdUi,
  argocdUiLocalhost,
  podinfo,
  backendVersion,
  backendEndpoints,
  apiDocs,
  crudRoundTrip,
  authentication,
]
