/* Block 12: every endpoint answers as documented (Argo CD, podinfo, backend API incl. auth and tenancy). */
import { randomBytes } from 'node:crypto'
import { BLOCKS } from '../lib/blocks.ts'
import { defineCheck, type CheckContext } from '../lib/check.ts'
import { collectDiagnostics, tailLog } from '../lib/diagnostics.ts'
import { queryColumn } from '../lib/data-stores.ts'
import { describeError, expect, failed, met, pending, type Outcome } from '../../scripts/lib/expect.ts'
import { describeEndpoint, request, type Endpoint, type HttpResponse } from '../lib/http.ts'
import type { Profile, Reach } from '../lib/profile.ts'
import { kube } from '../lib/world.ts'

const ENDPOINT_MS = 15_000

/** A failing backend check shows the backend's log (local) or its Application, events and pods (kind). */
function explainBackend({ profile, explainWith }: CheckContext) {
  explainWith(async () =>
    profile.backendLog
      ? tailLog(profile.backendLog)
      : collectDiagnostics(kube(), { argocdNamespace: profile.argocdNamespace, app: profile.target.app, namespace: profile.backendDeployment.namespace }),
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

/** GET until it answers `status`; then `verify` decides (a wrong body on the right status is a contradiction). */
function expectGet(endpoint: Endpoint, path: string, status: number, verify: (res: HttpResponse) => Outcome<HttpResponse>) {
  return expect(`GET ${describeEndpoint(endpoint, path)}`, async () => {
    const res = await request(endpoint, path)
    if (res.status !== status) return pending(`answered ${res.status}, want ${status}: ${res.body.slice(0, 160)}`)
    return verify(res)
  }).within(ENDPOINT_MS)
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
    if (!ok) return failed(`"${key}" is ${JSON.stringify(got)}, want ${want instanceof RegExp ? want : JSON.stringify(want)} (body ${res.body.slice(0, 160)})`)
  }
  return met(res)
}

const isHtml = (res: HttpResponse): Outcome<HttpResponse> =>
  String(res.headers['content-type'] ?? '').includes('text/html') ? met(res) : failed(`content-type is ${res.headers['content-type']}, want text/html`)

defineCheck({
  block: BLOCKS.endpoints,
  name: 'Argo CD API and UI answer',
  timeout: 40_000,
  appliesTo: needs((p) => p.argocdApi),
  async run({ profile }) {
    const api = endpointOf(profile.argocdApi)
    await expectGet(api, '/api/version', 200, (res) => jsonHas(res, { Version: /^v\d+\.\d+\.\d+/ }))
    await expectGet(endpointOf(profile.argocdUi), '/', 200, isHtml)
  },
})

defineCheck({
  block: BLOCKS.endpoints,
  name: 'podinfo answers JSON with its version and caches through Redis',
  timeout: 40_000,
  appliesTo: needs((p) => p.podinfo),
  async run({ profile }) {
    const podinfo = endpointOf(profile.podinfo)
    await expectGet(podinfo, '/', 200, (res) => jsonHas(res, { version: '6.9.2' }))
    const key = `conformance-${randomBytes(4).toString('hex')}`
    const value = `probe-${Date.now()}`
    await expect(`podinfo cache round trip ${describeEndpoint(podinfo, `/cache/${key}`)}`, async () => {
      const put = await request(podinfo, `/cache/${key}`, { method: 'POST', body: value })
      if (put.status >= 300) return pending(`POST /cache/${key} answered ${put.status}: ${put.body.slice(0, 160)} (is podinfo's redis cache configured?)`)
      const got = await request(podinfo, `/cache/${key}`)
      if (got.status !== 200) return pending(`GET /cache/${key} answered ${got.status}`)
      if (!got.body.includes(value)) return failed(`GET /cache/${key} returned ${got.body.slice(0, 160)}, want ${value}`)
      await request(podinfo, `/cache/${key}`, { method: 'DELETE' })
      return met()
    }).within(ENDPOINT_MS)
  },
})

defineCheck({
  block: BLOCKS.endpoints,
  name: 'backend /, /health, /ready, /v1/hello, /docs, /openapi.json',
  timeout: 40_000,
  appliesTo: needs((p) => p.backend),
  async run(ctx) {
    explainBackend(ctx)
    const api = endpointOf(ctx.profile.backend)
    await expectGet(api, '/', 200, (res) => jsonHas(res, { message: 'Backend API', version: /^\d+\.\d+\.\d+/ }))
    await expectGet(api, '/health', 200, (res) => jsonHas(res, { status: 'healthy' }))
    await expectGet(api, '/ready', 200, (res) => jsonHas(res, { status: 'ready', db: 'ok', redis: 'ok' }))
    await expectGet(api, '/v1/hello', 200, (res) => jsonHas(res, { message: 'Hello, World!' }))
    await expectGet(api, '/docs', 200, isHtml)
    await expectGet(api, '/openapi.json', 200, (res) => jsonHas(res, { openapi: /^3\./ }))
  },
})

type Session = { token: string; user: { id: number; username: string } }

/** Guest sign-in; one POST per attempt with a fresh name (a POST is not retried blindly). */
async function signIn(api: Endpoint, created: string[]): Promise<Session> {
  return expect(`POST ${describeEndpoint(api, '/v1/auth/guest-signin')}`, async () => {
    const username = `conf_${randomBytes(5).toString('hex')}`
    const res = await request(api, '/v1/auth/guest-signin', { method: 'POST', body: { username } })
    if (res.status === 201) {
      created.push(username)
      const body = res.json()
      if (typeof body.token !== 'string' || body.tokenType !== 'Bearer' || body.user?.username !== username) return failed(`sign-in body lacks token/tokenType/user: ${res.body.slice(0, 200)}`)
      return met({ token: body.token as string, user: body.user })
    }
    if (res.status === 429 || res.status >= 500) return pending(`answered ${res.status}: ${res.body.slice(0, 160)}`)
    return failed(`answered ${res.status}, want 201: ${res.body.slice(0, 160)}`)
  }).within(ENDPOINT_MS)
}

/** Guest users the checks created are deleted again through the database, where the profile reaches it. */
async function forgetUsers(profile: Profile, usernames: string[], log: (m: string) => void) {
  if (usernames.length === 0 || !profile.database.ok) return
  try {
    await queryColumn(kube(), profile.database.value, 'DELETE FROM users WHERE username = ANY(string_to_array($1, \',\')) RETURNING id', [usernames.join(',')])
  } catch (error) {
    log(`could not delete the probe users ${usernames.join(', ')}: ${describeError(error)}`)
  }
}

async function call(api: Endpoint, token: string, method: string, path: string, want: number, body?: unknown): Promise<any> {
  const res = await request(api, path, { method, body, headers: { authorization: `Bearer ${token}` } })
  if (res.status !== want) throw new Error(`${method} ${path} answered ${res.status}, want ${want}: ${res.body.slice(0, 200)}`)
  return res.body ? res.json() : null
}

/** A check that signs in one guest on the backend; the guest is deleted again, pass or fail. */
function defineGuestCheck(name: string, body: (api: Endpoint, session: Session) => Promise<void>) {
  defineCheck({
    block: BLOCKS.endpoints,
    name,
    timeout: 40_000,
    appliesTo: needs((p) => p.backend),
    async run(ctx) {
      const { profile, log } = ctx
      explainBackend(ctx)
      const api = endpointOf(profile.backend)
      const created: string[] = []
      try {
        await body(api, await signIn(api, created))
      } finally {
        await forgetUsers(profile, created, log)
      }
    },
  })
}

defineGuestCheck('guest sign-in → /v1/auth/me', async (api, session) => {
  const me = await call(api, session.token, 'GET', '/v1/auth/me', 200)
  if (me.username !== session.user.username || me.isGuest !== true) throw new Error(`/v1/auth/me returned ${JSON.stringify(me)}, want the signed-in guest ${session.user.username}`)
  const anonymous = await request(api, '/v1/auth/me')
  if (anonymous.status !== 401) throw new Error(`/v1/auth/me without a token answered ${anonymous.status}, want 401`)
})

defineGuestCheck('organization + project round trip', async (api, { token }) => {
  let orgId: number | undefined
  try {
    const org = await call(api, token, 'POST', '/v1/organizations', 201, { name: 'Conformance Org' })
    orgId = org.id
    const again = await call(api, token, 'GET', `/v1/organizations/${org.id}`, 200)
    if (again.name !== 'Conformance Org') throw new Error(`GET organization returned ${JSON.stringify(again)}`)
    const project = await call(api, token, 'POST', `/v1/organizations/${org.id}/projects`, 201, { name: 'conformance', description: 'round trip' })
    if (project.organizationId !== org.id) throw new Error(`project ${JSON.stringify(project)} is not in organization ${org.id}`)
    const list = await call(api, token, 'GET', `/v1/organizations/${org.id}/projects`, 200)
    if (!Array.isArray(list.data) || !list.data.some((p: { id: number }) => p.id === project.id)) throw new Error(`project list lacks ${project.id}: ${JSON.stringify(list).slice(0, 200)}`)
    const updated = await call(api, token, 'PUT', `/v1/projects/${project.id}`, 200, { description: 'updated' })
    if (updated.description !== 'updated') throw new Error(`PUT project returned ${JSON.stringify(updated)}`)
    await call(api, token, 'DELETE', `/v1/projects/${project.id}`, 204)
    await call(api, token, 'GET', `/v1/projects/${project.id}`, 404)
    await call(api, token, 'DELETE', `/v1/organizations/${org.id}`, 204)
    orgId = undefined
  } finally {
    if (orgId !== undefined) await request(api, `/v1/organizations/${orgId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined)
  }
})
