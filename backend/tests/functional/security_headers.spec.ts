/*
 * Security headers on every response: nosniff everywhere (errors included),
 * no-store on /v1, and a Content-Security-Policy on /docs that allows exactly
 * the page's own inline blocks.
 */
import { test } from '@japa/runner'
import { createHash } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import { baseUrl, signInWithOrganization } from '#tests/lib/api'

async function headersOf(path: string, init: RequestInit = {}) {
  const response = await fetch(`${baseUrl()}${path}`, init)
  await response.arrayBuffer()
  return { status: response.status, headers: response.headers }
}

test.group('security headers', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('every response is nosniff; /v1 responses are no-store, others are not', async ({
    client,
    assert,
  }) => {
    const { auth } = await signInWithOrganization(client)
    const json = { 'content-type': 'application/json' }
    const cases: Array<[string, RequestInit, number, boolean]> = [
      ['/', {}, 200, false],
      ['/health', {}, 200, false],
      ['/openapi.json', {}, 200, false],
      ['/docs', {}, 200, false],
      ['/no-such-route', {}, 404, false],
      ['/v1/hello', {}, 200, true],
      ['/v1/auth/me', {}, 401, true],
      ['/v1/auth/me', { headers: auth }, 200, true],
      ['/v1/organizations', { headers: auth }, 200, true],
      ['/v1/projects/abc', { headers: auth }, 404, true],
      [
        '/v1/organizations',
        { method: 'POST', headers: { ...auth, ...json }, body: '{"name":' },
        400,
        true,
      ],
      [
        '/v1/organizations',
        { method: 'POST', headers: { ...auth, ...json }, body: '{}' },
        422,
        true,
      ],
      ['/v1/projects/%ZZ', {}, 400, true],
      // the router matches the decoded path: an escaped /v1 prefix reaches the same routes
      ['/%761/auth/me', { headers: auth }, 200, true],
      ['/v%31/organizations', { headers: auth }, 200, true],
      ['/%76%31/hello', {}, 200, true],
      ['/%ZZ/v1/hello', {}, 400, false],
    ]
    for (const [path, init, status, noStore] of cases) {
      const { status: actual, headers } = await headersOf(path, init)
      const what = `${init.method ?? 'GET'} ${path}`
      assert.equal(actual, status, what)
      assert.equal(headers.get('x-content-type-options'), 'nosniff', what)
      if (noStore) assert.equal(headers.get('cache-control'), 'no-store', what)
      else assert.notEqual(headers.get('cache-control'), 'no-store', what)
    }
  })

  test('/docs has a CSP that allows only its own inline code', async ({ assert }) => {
    const response = await fetch(`${baseUrl()}/docs`)
    const html = await response.text()
    const policy = response.headers.get('content-security-policy') ?? ''
    const directives = new Map(
      policy.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/)
        return [name, values] as const
      })
    )
    assert.deepEqual(directives.get('default-src'), ["'none'"])
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"])
    assert.notInclude(policy, 'unsafe-inline')
    assert.notInclude(policy, '*')
    const inline = (tag: string) =>
      [...html.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))]
        .filter(([, body]) => body.length > 0) // <script src=…></script> loads a file of 'self'
        .map(([, body]) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`)
    assert.isNotEmpty(inline('script'))
    for (const hash of inline('script')) assert.include(directives.get('script-src'), hash)
    for (const hash of inline('style')) assert.include(directives.get('style-src'), hash)
    // inline event handlers and style attributes would be blocked by this policy
    assert.notMatch(html, /\son[a-z]+\s*=|\sstyle\s*=/i)
  })
})
