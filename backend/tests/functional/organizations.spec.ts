import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import Organization from '#models/organization'
import Project from '#models/project'
import User from '#models/user'
import { rawRequest, signIn, signInWithOrganization } from '#tests/lib/api'

test.group('organizations', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('POST creates an organization and makes the caller its member', async ({
    client,
    assert,
  }) => {
    const { auth, user } = await signIn(client)
    const response = await client
      .post('/v1/organizations')
      .headers(auth)
      .json({ name: '  Acme Corp  ' })

    response.assertStatus(201)
    const organization = response.body()
    assert.deepEqual(Object.keys(organization).sort(), ['createdAt', 'id', 'name', 'updatedAt'])
    assert.equal(organization.name, 'Acme Corp')
    assert.match(organization.createdAt, /Z$/)

    const me = await client.get('/v1/auth/me').headers(auth)
    assert.equal(me.body().organizationId, organization.id)
    assert.equal((await User.findOrFail(user.id)).organizationId, organization.id)
  })

  test('a caller already in an organization gets 409 and nothing is created', async ({
    client,
    assert,
  }) => {
    const { auth } = await signInWithOrganization(client)
    const response = await client.post('/v1/organizations').headers(auth).json({ name: 'Second' })
    response.assertStatus(409)
    assert.equal(response.body().errors[0].message, 'You already belong to an organization')
    assert.lengthOf(await Organization.all(), 1)
  })

  test('concurrent creations by one user make exactly one organization', async ({
    client,
    assert,
  }) => {
    const { auth } = await signIn(client)
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client
          .post('/v1/organizations')
          .headers(auth)
          .json({ name: `Race ${i}` })
      )
    )
    const statuses = responses.map((response) => response.status()).sort()
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409])
    assert.lengthOf(await Organization.all(), 1)
  })

  test('invalid names are 422: {title}')
    .with([
      { title: 'missing', body: {}, rule: 'required' },
      { title: 'empty', body: { name: '' }, rule: 'minLength' },
      { title: 'blank', body: { name: '   ' }, rule: 'minLength' },
      { title: 'over 100 characters', body: { name: 'x'.repeat(101) }, rule: 'maxLength' },
      { title: 'not a string', body: { name: 42 }, rule: 'string' },
      { title: 'containing NUL', body: { name: 'a\u0000b' }, rule: 'noNul' },
    ])
    .run(async ({ client, assert }, { body, rule }) => {
      const { auth } = await signIn(client)
      const response = await client.post('/v1/organizations').headers(auth).json(body)
      response.assertStatus(422)
      assert.containsSubset(response.body().errors, [{ field: 'name', rule }])
      assert.lengthOf(await Organization.all(), 0)
    })

  test('a name of exactly 100 characters is accepted', async ({ client }) => {
    const { auth } = await signIn(client)
    const response = await client
      .post('/v1/organizations')
      .headers(auth)
      .json({ name: 'x'.repeat(100) })
    response.assertStatus(201)
  })

  test('malformed JSON is a 400', async ({ client, assert }) => {
    const { auth } = await signIn(client)
    const response = await rawRequest('POST', '/v1/organizations', '{"name": ', auth)
    assert.equal(response.status, 400)
  })

  test('without a token the body is never read: 401 for malformed and oversized bodies alike', async ({
    assert,
  }) => {
    // authentication runs before the body parser, so an anonymous client cannot make the API
    // parse (or buffer) anything: the same answer as for a well-formed body
    for (const body of ['{"name": "fine"}', '{"name": ', `{"name": "${'x'.repeat(200_000)}"}`]) {
      const response = await rawRequest('POST', '/v1/organizations', body)
      assert.equal(response.status, 401, `body of ${body.length} characters`)
    }
  })

  test('GET lists the caller organization (0 or 1 item) with pagination meta', async ({
    client,
  }) => {
    const loner = await signIn(client)
    const empty = await client.get('/v1/organizations').headers(loner.auth)
    empty.assertStatus(200)
    empty.assertBody({ data: [], meta: { total: 0, perPage: 20, currentPage: 1, lastPage: 1 } })

    const owner = await signInWithOrganization(client)
    await signInWithOrganization(client) // someone else's organization
    const list = await client.get('/v1/organizations').headers(owner.auth)
    list.assertStatus(200)
    const single = await client
      .get(`/v1/organizations/${owner.organization.id}`)
      .headers(owner.auth)
    list.assertBody({
      data: [single.body()],
      meta: { total: 1, perPage: 20, currentPage: 1, lastPage: 1 },
    })
    list.assertBodyContains({
      data: [{ id: owner.organization.id, name: owner.organization.name }],
      meta: { total: 1, perPage: 20, currentPage: 1, lastPage: 1 },
    })
  })

  test('GET /:id, PUT /:id rename, DELETE /:id', async ({ client, assert }) => {
    const { auth, organization } = await signInWithOrganization(client)

    const shown = await client.get(`/v1/organizations/${organization.id}`).headers(auth)
    shown.assertStatus(200)
    shown.assertBodyContains({ id: organization.id, name: organization.name })

    const renamed = await client
      .put(`/v1/organizations/${organization.id}`)
      .headers(auth)
      .json({ name: 'Renamed' })
    renamed.assertStatus(200)
    renamed.assertBodyContains({ id: organization.id, name: 'Renamed' })
    assert.equal((await Organization.findOrFail(organization.id)).name, 'Renamed')

    const invalid = await client
      .put(`/v1/organizations/${organization.id}`)
      .headers(auth)
      .json({ name: 'y'.repeat(101) })
    invalid.assertStatus(422)

    const deleted = await client.delete(`/v1/organizations/${organization.id}`).headers(auth)
    deleted.assertStatus(204)
    assert.equal(deleted.text(), '')
    assert.isNull(await Organization.find(organization.id))

    const gone = await client.get(`/v1/organizations/${organization.id}`).headers(auth)
    gone.assertStatus(404)
  })

  test('DELETE removes its projects and leaves its members org-less', async ({
    client,
    assert,
  }) => {
    const owner = await signInWithOrganization(client)
    const member = await signIn(client)
    ;(
      await client
        .post(`/v1/organizations/${owner.organization.id}/members`)
        .headers(owner.auth)
        .json({ username: member.user.username })
    ).assertStatus(201)
    for (const name of ['one', 'two']) {
      ;(
        await client
          .post(`/v1/organizations/${owner.organization.id}/projects`)
          .headers(owner.auth)
          .json({ name })
      ).assertStatus(201)
    }

    ;(
      await client.delete(`/v1/organizations/${owner.organization.id}`).headers(member.auth)
    ).assertStatus(204)

    assert.lengthOf(await Project.query().where('organization_id', owner.organization.id), 0)
    assert.isNull((await User.findOrFail(owner.user.id)).organizationId)
    assert.isNull((await User.findOrFail(member.user.id)).organizationId)
    // Both can start over with an organization of their own.
    const again = await client.post('/v1/organizations').headers(member.auth).json({ name: 'New' })
    again.assertStatus(201)
  })

  test('ids that cannot exist are 404, never 500: {id}')
    .with([{ id: 'abc' }, { id: '0' }, { id: '99999999999999999999' }, { id: '1.5' }, { id: '-1' }])
    .run(async ({ client }, { id }) => {
      const { auth } = await signInWithOrganization(client)
      for (const request of [
        client.get(`/v1/organizations/${id}`),
        client.put(`/v1/organizations/${id}`).json({ name: 'x' }),
        client.delete(`/v1/organizations/${id}`),
        client.post(`/v1/organizations/${id}/members`).json({ username: 'someone' }),
        client.get(`/v1/organizations/${id}/projects`),
      ]) {
        const response = await request.headers(auth)
        response.assertStatus(404)
      }
    })
})

test.group('organizations · members', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('POST /:id/members adds an org-less user', async ({ client, assert }) => {
    const owner = await signInWithOrganization(client)
    const guest = await signIn(client)
    const response = await client
      .post(`/v1/organizations/${owner.organization.id}/members`)
      .headers(owner.auth)
      .json({ username: guest.user.username })
    response.assertStatus(201)
    response.assertBodyContains({
      id: guest.user.id,
      username: guest.user.username,
      organizationId: owner.organization.id,
      isGuest: true,
    })
    assert.notProperty(response.body(), 'updatedAt')

    // The new member now sees the organization.
    const shown = await client.get(`/v1/organizations/${owner.organization.id}`).headers(guest.auth)
    shown.assertStatus(200)
  })

  test('an unknown username is a 404 naming the field', async ({ client }) => {
    const owner = await signInWithOrganization(client)
    const response = await client
      .post(`/v1/organizations/${owner.organization.id}/members`)
      .headers(owner.auth)
      .json({ username: 'nobody_here' })
    response.assertStatus(404)
    response.assertBody({
      errors: [{ message: 'User not found', field: 'username', rule: 'exists' }],
    })
  })

  test('a user already in an organization (this or another) is a 409', async ({
    client,
    assert,
  }) => {
    const owner = await signInWithOrganization(client)
    const other = await signInWithOrganization(client)
    for (const username of [other.user.username, owner.user.username]) {
      const response = await client
        .post(`/v1/organizations/${owner.organization.id}/members`)
        .headers(owner.auth)
        .json({ username })
      response.assertStatus(409)
      assert.equal(response.body().errors[0].field, 'username')
    }
    assert.equal((await User.findOrFail(other.user.id)).organizationId, other.organization.id)
  })

  test('an invalid username is a 422', async ({ client }) => {
    const owner = await signInWithOrganization(client)
    const response = await client
      .post(`/v1/organizations/${owner.organization.id}/members`)
      .headers(owner.auth)
      .json({ username: 'x' })
    response.assertStatus(422)
    response.assertBodyContains({ errors: [{ field: 'username', rule: 'minLength' }] })
  })
})

test.group('organizations · tenant isolation', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('a second user cannot see, change, delete or join members to the first user organization', async ({
    client,
    assert,
  }) => {
    const first = await signInWithOrganization(client)
    const outsider = await signIn(client)
    const otherTenant = await signInWithOrganization(client)
    const victim = await signIn(client)
    const id = first.organization.id

    for (const intruder of [outsider, otherTenant]) {
      const requests = [
        client.get(`/v1/organizations/${id}`),
        client.put(`/v1/organizations/${id}`).json({ name: 'pwned' }),
        client.delete(`/v1/organizations/${id}`),
        client.post(`/v1/organizations/${id}/members`).json({ username: victim.user.username }),
      ]
      for (const request of requests) {
        const response = await request.headers(intruder.auth)
        response.assertStatus(404)
        response.assertBody({ errors: [{ message: 'Organization not found' }] })
      }
      const list = await client.get('/v1/organizations').headers(intruder.auth)
      assert.notInclude(
        list.body().data.map((org: { id: number }) => org.id),
        id
      )
    }

    const untouched = await Organization.findOrFail(id)
    assert.equal(untouched.name, first.organization.name)
    assert.isNull((await User.findOrFail(victim.user.id)).organizationId)
  })

  test('404 for a foreign organization is indistinguishable from a missing one', async ({
    client,
  }) => {
    const first = await signInWithOrganization(client)
    const second = await signInWithOrganization(client)
    const foreign = await client
      .get(`/v1/organizations/${first.organization.id}`)
      .headers(second.auth)
    const missing = await client.get(`/v1/organizations/2147483647`).headers(second.auth)
    foreign.assertStatus(404)
    missing.assertStatus(404)
    foreign.assertBody(missing.body())
  })
})
