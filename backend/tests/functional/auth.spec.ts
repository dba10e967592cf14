import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import env from '#start/env'
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose'
import User from '#models/user'
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '#guards/jwt_guard'
import { clientAddress, rawRequest, signIn, unique } from '#tests/lib/api'

const secret = () => new TextEncoder().encode(env.get('JWT_SECRET').release())

function base64url(value: object) {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/**
 * A token as the API would issue it (iss/aud included),
 * unless `claims` override or drop them (undefined).
 */
async function signed(claims: Record<string, unknown>, key = secret(), alg = 'HS256') {
  const all = Object.fromEntries(
    Object.entries({ iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, ...claims }).filter(
      ([, value]) => value !== undefined
    )
  )
  return new SignJWT(all).setProtectedHeader({ alg, typ: 'JWT' }).sign(key)
}

test.group('auth · guest sign-in', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('creates a guest user and returns an HS256 token valid for one hour', async ({
    client,
    assert,
  }) => {
    const username = unique('guest')
    const response = await client
      .post('/v1/auth/guest-signin')
      .header('x-forwarded-for', clientAddress())
      .json({ username })

    response.assertStatus(201)
    const body = response.body()
    assert.equal(body.tokenType, 'Bearer')
    assert.equal(body.expiresIn, 3600)
    assert.containsSubset(body.user, { username, organizationId: null, isGuest: true })
    assert.isNumber(body.user.id)
    assert.match(body.user.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    assert.notProperty(body.user, 'updatedAt')

    assert.equal(decodeProtectedHeader(body.token).alg, 'HS256')
    const claims = decodeJwt(body.token)
    assert.equal(claims.sub, String(body.user.id))
    assert.isNull(claims.org_id)
    assert.equal(claims.iss, TOKEN_ISSUER)
    assert.equal(claims.aud, TOKEN_AUDIENCE)
    assert.equal(claims.exp! - claims.iat!, 3600)
    assert.approximately(claims.iat!, Date.now() / 1000, 5)

    const stored = await User.findByOrFail('username', username)
    assert.equal(stored.id, body.user.id)
  })

  test('a taken username is a 409 naming the field', async ({ client }) => {
    const { user } = await signIn(client)
    const response = await client
      .post('/v1/auth/guest-signin')
      .header('x-forwarded-for', clientAddress())
      .json({ username: user.username })
    response.assertStatus(409)
    response.assertBody({
      errors: [{ message: 'username is already taken', field: 'username', rule: 'unique' }],
    })
  })

  test('invalid username ({rule}) is a 422 naming the field and rule')
    .with([
      { username: 'ab', rule: 'minLength' },
      { username: 'a'.repeat(33), rule: 'maxLength' },
      { username: 'has space', rule: 'regex' },
      { username: 'émile', rule: 'regex' },
      { username: undefined, rule: 'required' },
      { username: 12345, rule: 'string' },
    ])
    .run(async ({ client, assert }, { username, rule }) => {
      const response = await client
        .post('/v1/auth/guest-signin')
        .header('x-forwarded-for', clientAddress())
        .json(username === undefined ? {} : { username })
      response.assertStatus(422)
      const [error] = response.body().errors
      assert.equal(error.field, 'username')
      assert.equal(error.rule, rule)
      assert.isString(error.message)
      assert.equal(
        await User.query()
          .count('* as total')
          .first()
          .then((r) => r!.$extras.total),
        0
      )
    })

  test('malformed JSON is a 400 error body, never a stack trace', async ({ assert }) => {
    for (const raw of ['{"username": "abc"', 'not json', '"just a string"', '{"username":']) {
      const response = await rawRequest('POST', '/v1/auth/guest-signin', raw, {
        'x-forwarded-for': clientAddress(),
      })
      assert.equal(response.status, 400, raw)
      assert.match(response.contentType!, /application\/json/)
      assert.deepEqual(JSON.parse(response.text), {
        errors: [{ message: 'Malformed JSON in request body' }],
      })
    }
  })

  test('the 11th sign-in within a minute from one client is a 429', async ({ client, assert }) => {
    const address = clientAddress()
    for (let i = 0; i < 10; i++) {
      const response = await client
        .post('/v1/auth/guest-signin')
        .header('x-forwarded-for', address)
        .json({ username: unique('burst') })
      response.assertStatus(201)
    }
    const limited = await client
      .post('/v1/auth/guest-signin')
      .header('x-forwarded-for', address)
      .json({ username: unique('burst') })
    limited.assertStatus(429)
    assert.match(limited.body().errors[0].message, /Too many requests/)
    assert.isAbove(Number(limited.header('retry-after')), 0)

    // Another client is not affected.
    const other = await client
      .post('/v1/auth/guest-signin')
      .header('x-forwarded-for', clientAddress())
      .json({ username: unique('other') })
    other.assertStatus(201)
  })
})

test.group('auth · me and token verification', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('GET /v1/auth/me returns the user of the token', async ({ client }) => {
    const { user, auth } = await signIn(client)
    const response = await client.get('/v1/auth/me').headers(auth)
    response.assertStatus(200)
    response.assertBodyContains({
      id: user.id,
      username: user.username,
      organizationId: null,
      isGuest: true,
    })
  })

  test('loginAs (the guard as a client) authenticates too', async ({ client }) => {
    const { user } = await signIn(client)
    const model = await User.findOrFail(user.id)
    const response = await client.get('/v1/auth/me').loginAs(model)
    response.assertStatus(200)
    response.assertBodyContains({ id: user.id })
  })

  test('{title} is a 401')
    .with([
      { title: 'no Authorization header', header: undefined },
      { title: 'an empty bearer', header: 'Bearer ' },
      { title: 'a Basic scheme', header: 'Basic dXNlcjpwYXNz' },
      { title: 'garbage', header: 'Bearer not.a.jwt' },
    ])
    .run(async ({ client }, { header }) => {
      const request = client.get('/v1/auth/me')
      if (header !== undefined) request.header('authorization', header)
      const response = await request
      response.assertStatus(401)
      response.assertHeader('www-authenticate', 'Bearer')
      response.assertBody({
        errors: [{ message: 'Unauthorized: a valid Bearer token is required' }],
      })
    })

  test('a token with alg "none" is rejected', async ({ client }) => {
    const { user } = await signIn(client)
    const now = Math.floor(Date.now() / 1000)
    const header = base64url({ alg: 'none', typ: 'JWT' })
    const payload = base64url({ sub: String(user.id), org_id: null, iat: now, exp: now + 3600 })
    const token = `${header}.${payload}.`
    const response = await client.get('/v1/auth/me').header('authorization', `Bearer ${token}`)
    response.assertStatus(401)
  })

  test('a token signed with another HMAC algorithm (HS512, same key) is rejected', async ({
    client,
  }) => {
    const { user } = await signIn(client)
    const now = Math.floor(Date.now() / 1000)
    const token = await signed(
      { sub: String(user.id), iat: now, exp: now + 3600 },
      new TextEncoder().encode(env.get('JWT_SECRET').release()),
      'HS512'
    )
    const response = await client.get('/v1/auth/me').header('authorization', `Bearer ${token}`)
    response.assertStatus(401)
  })

  test('a token signed with the wrong key is rejected', async ({ client }) => {
    const { user } = await signIn(client)
    const now = Math.floor(Date.now() / 1000)
    const token = await signed(
      { sub: String(user.id), iat: now, exp: now + 3600 },
      new TextEncoder().encode('x'.repeat(48))
    )
    const response = await client.get('/v1/auth/me').header('authorization', `Bearer ${token}`)
    response.assertStatus(401)
  })

  test('a tampered payload is rejected', async ({ client }) => {
    const first = await signIn(client)
    const second = await signIn(client)
    const [header, , signature] = first.token.split('.')
    const claims = decodeJwt(first.token)
    const forged = `${header}.${base64url({ ...claims, sub: String(second.user.id) })}.${signature}`
    const response = await client.get('/v1/auth/me').header('authorization', `Bearer ${forged}`)
    response.assertStatus(401)
  })

  test('an expired token is rejected', async ({ client }) => {
    const { user } = await signIn(client)
    const now = Math.floor(Date.now() / 1000)
    const token = await signed({ sub: String(user.id), iat: now - 7200, exp: now - 3600 })
    const response = await client.get('/v1/auth/me').header('authorization', `Bearer ${token}`)
    response.assertStatus(401)
  })

  test('a token without exp, or with a non-numeric subject, is rejected', async ({ client }) => {
    const { user } = await signIn(client)
    const now = Math.floor(Date.now() / 1000)
    for (const claims of [
      { sub: String(user.id), iat: now },
      { sub: 'admin', iat: now, exp: now + 60 },
      { sub: '99999999999999999999', iat: now, exp: now + 60 },
    ]) {
      const token = await signed(claims)
      const response = await client.get('/v1/auth/me').header('authorization', `Bearer ${token}`)
      response.assertStatus(401)
    }
  })

  test('a token the test signs like the API does is accepted (control for the rejections)', async ({
    client,
    assert,
  }) => {
    const { user } = await signIn(client)
    const now = Math.floor(Date.now() / 1000)
    const token = await signed({ sub: String(user.id), iat: now, exp: now + 60 })
    const response = await client.get('/v1/auth/me').header('authorization', `Bearer ${token}`)
    response.assertStatus(200)
    assert.equal(response.body().id, user.id)
  })

  test('a subject that is not the canonical decimal id ({label}) is rejected')
    .with([
      { label: 'leading zero', sub: (id: number) => `0${id}` },
      { label: 'plus sign', sub: (id: number) => `+${id}` },
      { label: 'exponent', sub: (id: number) => `${id}e0` },
      { label: 'fraction', sub: (id: number) => `${id}.0` },
      { label: 'spaces', sub: (id: number) => ` ${id} ` },
      { label: 'hexadecimal', sub: (id: number) => `0x${id.toString(16)}` },
      { label: 'a number, not a string', sub: (id: number) => id },
    ])
    .run(async ({ client }, { sub }) => {
      const { user } = await signIn(client)
      const now = Math.floor(Date.now() / 1000)
      const token = await signed({ sub: sub(user.id), iat: now, exp: now + 60 })
      const response = await client.get('/v1/auth/me').header('authorization', `Bearer ${token}`)
      response.assertStatus(401)
    })

  test('a token with a missing or foreign issuer or audience ({label}) is rejected')
    .with([
      { label: 'no iss', claims: { iss: undefined } },
      { label: 'other iss', claims: { iss: 'someone-else' } },
      { label: 'no aud', claims: { aud: undefined } },
      { label: 'other aud', claims: { aud: 'another-api' } },
    ])
    .run(async ({ client }, { claims }) => {
      const { user } = await signIn(client)
      const now = Math.floor(Date.now() / 1000)
      const token = await signed({ sub: String(user.id), iat: now, exp: now + 60, ...claims })
      const response = await client.get('/v1/auth/me').header('authorization', `Bearer ${token}`)
      response.assertStatus(401)
    })

  test('the token of a deleted user is rejected', async ({ client }) => {
    const { user, auth } = await signIn(client)
    ;(await client.get('/v1/auth/me').headers(auth)).assertStatus(200)
    await User.query().where('id', user.id).delete()
    const response = await client.get('/v1/auth/me').headers(auth)
    response.assertStatus(401)
  })

  test('every protected route demands a token', async ({ client }) => {
    const routes: Array<[string, string]> = [
      ['get', '/v1/organizations'],
      ['post', '/v1/organizations'],
      ['get', '/v1/organizations/1'],
      ['put', '/v1/organizations/1'],
      ['delete', '/v1/organizations/1'],
      ['post', '/v1/organizations/1/members'],
      ['get', '/v1/organizations/1/projects'],
      ['post', '/v1/organizations/1/projects'],
      ['get', '/v1/projects/1'],
      ['put', '/v1/projects/1'],
      ['delete', '/v1/projects/1'],
    ]
    for (const [method, url] of routes) {
      const response = await (client as any)[method](url)
      response.assertStatus(401)
    }
  })
})
