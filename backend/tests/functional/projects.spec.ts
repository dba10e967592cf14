import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import Project from '#models/project'
import { rawRequest, signIn, signInWithOrganization } from '#tests/lib/api'

type Owner = Awaited<ReturnType<typeof signInWithOrganization>>

async function createProject(client: any, owner: Owner, body: object) {
  return client
    .post(`/v1/organizations/${owner.organization.id}/projects`)
    .headers(owner.auth)
    .json(body)
}

test.group('projects · CRUD', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('POST creates a project in the caller organization', async ({ client, assert }) => {
    const owner = await signInWithOrganization(client)
    const response = await createProject(client, owner, { name: ' api ', description: 'The API' })
    response.assertStatus(201)
    const project = response.body()
    assert.deepEqual(Object.keys(project).sort(), [
      'createdAt',
      'description',
      'id',
      'name',
      'organizationId',
      'updatedAt',
    ])
    assert.containsSubset(project, {
      organizationId: owner.organization.id,
      name: 'api',
      description: 'The API',
    })
    const stored = await Project.findOrFail(project.id)
    assert.equal(stored.organizationId, owner.organization.id)
  })

  test('description is optional and null when absent', async ({ client }) => {
    const owner = await signInWithOrganization(client)
    const response = await createProject(client, owner, { name: 'bare' })
    response.assertStatus(201)
    response.assertBodyContains({ name: 'bare', description: null })
  })

  test('the same name twice in one organization is a 409; another organization may reuse it', async ({
    client,
    assert,
  }) => {
    const owner = await signInWithOrganization(client)
    ;(await createProject(client, owner, { name: 'web' })).assertStatus(201)
    const duplicate = await createProject(client, owner, { name: 'web' })
    duplicate.assertStatus(409)
    duplicate.assertBody({
      errors: [{ message: 'name is already taken', field: 'name', rule: 'unique' }],
    })
    const other = await signInWithOrganization(client)
    ;(await createProject(client, other, { name: 'web' })).assertStatus(201)
    assert.lengthOf(await Project.query().where('name', 'web'), 2)
  })

  test('invalid input is a 422: {title}')
    .with([
      { title: 'missing name', body: {}, field: 'name', rule: 'required' },
      { title: 'empty name', body: { name: '' }, field: 'name', rule: 'minLength' },
      { title: 'name over 100', body: { name: 'n'.repeat(101) }, field: 'name', rule: 'maxLength' },
      {
        title: 'description over 1000',
        body: { name: 'ok', description: 'd'.repeat(1001) },
        field: 'description',
        rule: 'maxLength',
      },
      { title: 'name not a string', body: { name: ['x'] }, field: 'name', rule: 'string' },
      { title: 'NUL in name', body: { name: 'a\u0000b' }, field: 'name', rule: 'noNul' },
      {
        title: 'NUL in description',
        body: { name: 'ok', description: 'x\u0000' },
        field: 'description',
        rule: 'noNul',
      },
    ])
    .run(async ({ client, assert }, { body, field, rule }) => {
      const owner = await signInWithOrganization(client)
      const response = await createProject(client, owner, body)
      response.assertStatus(422)
      assert.containsSubset(response.body().errors, [{ field, rule }])
      assert.lengthOf(await Project.all(), 0)
    })

  test('limits are inclusive: 100-character name, 1000-character description', async ({
    client,
  }) => {
    const owner = await signInWithOrganization(client)
    const response = await createProject(client, owner, {
      name: 'n'.repeat(100),
      description: 'd'.repeat(1000),
    })
    response.assertStatus(201)
  })

  test('malformed JSON is a 400 and creates nothing', async ({ client, assert }) => {
    const owner = await signInWithOrganization(client)
    const response = await rawRequest(
      'POST',
      `/v1/organizations/${owner.organization.id}/projects`,
      '{"name": "x",}',
      owner.auth
    )
    assert.equal(response.status, 400)
    assert.lengthOf(await Project.all(), 0)
  })

  test('a body over the 100 kB limit is a JSON 413 and creates nothing', async ({
    client,
    assert,
  }) => {
    const owner = await signInWithOrganization(client)
    const response = await rawRequest(
      'POST',
      `/v1/organizations/${owner.organization.id}/projects`,
      JSON.stringify({ name: 'big', description: 'x'.repeat(200_000) }),
      owner.auth
    )
    assert.equal(response.status, 413)
    assert.property(JSON.parse(response.text), 'errors')
    assert.lengthOf(await Project.all(), 0)
  })

  test('GET /v1/projects/:id, PUT partial updates, DELETE', async ({ client, assert }) => {
    const owner = await signInWithOrganization(client)
    const created = (await createProject(client, owner, { name: 'svc', description: 'old' })).body()

    const shown = await client.get(`/v1/projects/${created.id}`).headers(owner.auth)
    shown.assertStatus(200)
    shown.assertBody(created)

    const described = await client
      .put(`/v1/projects/${created.id}`)
      .headers(owner.auth)
      .json({ description: 'new' })
    described.assertStatus(200)
    described.assertBodyContains({ name: 'svc', description: 'new' })

    const renamed = await client
      .put(`/v1/projects/${created.id}`)
      .headers(owner.auth)
      .json({ name: 'svc2', description: null })
    renamed.assertStatus(200)
    renamed.assertBodyContains({ name: 'svc2', description: null })

    const tooLong = await client
      .put(`/v1/projects/${created.id}`)
      .headers(owner.auth)
      .json({ description: 'd'.repeat(1001) })
    tooLong.assertStatus(422)

    const deleted = await client.delete(`/v1/projects/${created.id}`).headers(owner.auth)
    deleted.assertStatus(204)
    assert.isNull(await Project.find(created.id))
    ;(await client.get(`/v1/projects/${created.id}`).headers(owner.auth)).assertStatus(404)
  })

  test('renaming onto an existing name is a 409 and changes nothing', async ({
    client,
    assert,
  }) => {
    const owner = await signInWithOrganization(client)
    await createProject(client, owner, { name: 'alpha' })
    const beta = (await createProject(client, owner, { name: 'beta' })).body()
    const response = await client
      .put(`/v1/projects/${beta.id}`)
      .headers(owner.auth)
      .json({ name: 'alpha' })
    response.assertStatus(409)
    assert.equal((await Project.findOrFail(beta.id)).name, 'beta')
  })

  test('ids that cannot exist are 404, never 500: {id}')
    .with([{ id: 'abc' }, { id: '0' }, { id: '99999999999999999999' }, { id: '2147483648' }])
    .run(async ({ client }, { id }) => {
      const owner = await signInWithOrganization(client)
      for (const request of [
        client.get(`/v1/projects/${id}`),
        client.put(`/v1/projects/${id}`).json({ name: 'x' }),
        client.delete(`/v1/projects/${id}`),
      ]) {
        const response = await request.headers(owner.auth)
        response.assertStatus(404)
      }
    })

  test('a user without an organization gets 404 for any project', async ({ client }) => {
    const owner = await signInWithOrganization(client)
    const project = (await createProject(client, owner, { name: 'p' })).body()
    const loner = await signIn(client)
    ;(await client.get(`/v1/projects/${project.id}`).headers(loner.auth)).assertStatus(404)
  })
})

test.group('projects · listing', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('lists oldest first with pagination meta; perPage is capped at 100', async ({
    client,
    assert,
  }) => {
    const owner = await signInWithOrganization(client)
    const rows = Array.from({ length: 105 }, (_, i) => ({
      organization_id: owner.organization.id,
      name: `p${String(i).padStart(3, '0')}`,
      created_at: new Date(),
      updated_at: new Date(),
    }))
    await db.table('projects').multiInsert(rows)

    const first = await client
      .get(`/v1/organizations/${owner.organization.id}/projects`)
      .headers(owner.auth)
    first.assertStatus(200)
    assert.deepEqual(first.body().meta, { total: 105, perPage: 20, currentPage: 1, lastPage: 6 })
    assert.lengthOf(first.body().data, 20)
    assert.equal(first.body().data[0].name, 'p000')

    const page3 = await client
      .get(`/v1/organizations/${owner.organization.id}/projects`)
      .qs({ page: 3, perPage: 10 })
      .headers(owner.auth)
    assert.deepEqual(page3.body().meta, { total: 105, perPage: 10, currentPage: 3, lastPage: 11 })
    assert.equal(page3.body().data[0].name, 'p020')

    const capped = await client
      .get(`/v1/organizations/${owner.organization.id}/projects`)
      .qs({ perPage: 1000 })
      .headers(owner.auth)
    assert.deepEqual(capped.body().meta, { total: 105, perPage: 100, currentPage: 1, lastPage: 2 })
    assert.lengthOf(capped.body().data, 100)

    const beyond = await client
      .get(`/v1/organizations/${owner.organization.id}/projects`)
      .qs({ page: 50 })
      .headers(owner.auth)
    beyond.assertStatus(200)
    assert.lengthOf(beyond.body().data, 0)
    assert.equal(beyond.body().meta.total, 105)
  })

  test('bad pagination parameters are 422: {title}')
    .with([
      { title: 'page=0', qs: { page: 0 }, field: 'page' },
      { title: 'page=abc', qs: { page: 'abc' }, field: 'page' },
      { title: 'perPage=0', qs: { perPage: 0 }, field: 'perPage' },
      { title: 'perPage=1.5', qs: { perPage: 1.5 }, field: 'perPage' },
      { title: 'huge page', qs: { page: '99999999999999999999' }, field: 'page' },
    ])
    .run(async ({ client, assert }, { qs, field }) => {
      const owner = await signInWithOrganization(client)
      const response = await client
        .get(`/v1/organizations/${owner.organization.id}/projects`)
        .qs(qs)
        .headers(owner.auth)
      response.assertStatus(422)
      assert.equal(response.body().errors[0].field, field)
    })

  test('a listed project is identical to the project read alone', async ({ client, assert }) => {
    const owner = await signInWithOrganization(client)
    const created = await createProject(client, owner, { name: 'same-shape', description: null })
    const listed = await client
      .get(`/v1/organizations/${owner.organization.id}/projects`)
      .headers(owner.auth)
    const single = await client.get(`/v1/projects/${created.body().id}`).headers(owner.auth)
    assert.deepEqual(listed.body().data, [single.body()])
    assert.deepEqual(single.body(), created.body())
  })

  test('an empty organization lists nothing', async ({ client }) => {
    const owner = await signInWithOrganization(client)
    const response = await client
      .get(`/v1/organizations/${owner.organization.id}/projects`)
      .headers(owner.auth)
    response.assertBody({ data: [], meta: { total: 0, perPage: 20, currentPage: 1, lastPage: 1 } })
  })
})

test.group('projects · tenant isolation', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('a second user cannot list, read, change or delete the first user projects', async ({
    client,
    assert,
  }) => {
    const first = await signInWithOrganization(client)
    const project = (
      await createProject(client, first, { name: 'secret', description: 's' })
    ).body()
    const second = await signInWithOrganization(client)
    const loner = await signIn(client)

    for (const intruder of [second, loner]) {
      const requests = [
        client.get(`/v1/organizations/${first.organization.id}/projects`),
        client.post(`/v1/organizations/${first.organization.id}/projects`).json({ name: 'x' }),
        client.get(`/v1/projects/${project.id}`),
        client.put(`/v1/projects/${project.id}`).json({ name: 'pwned' }),
        client.delete(`/v1/projects/${project.id}`),
      ]
      for (const request of requests) {
        const response = await request.headers(intruder.auth)
        response.assertStatus(404)
      }
    }

    const stored = await Project.findOrFail(project.id)
    assert.equal(stored.name, 'secret')
    assert.lengthOf(await Project.query().where('organization_id', first.organization.id), 1)

    // The second user's own listing never includes it.
    const own = await client
      .get(`/v1/organizations/${second.organization.id}/projects`)
      .headers(second.auth)
    own.assertBody({ data: [], meta: { total: 0, perPage: 20, currentPage: 1, lastPage: 1 } })
  })
})

test.group('projects · concurrency', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('concurrent creation loses nothing and duplicates nothing', async ({ client, assert }) => {
    const owner = await signInWithOrganization(client)
    const names = Array.from({ length: 30 }, (_, i) => `c${i}`)
    const responses = await Promise.all(names.map((name) => createProject(client, owner, { name })))
    assert.deepEqual(
      responses.map((response) => response.status()),
      names.map(() => 201)
    )
    const stored = await Project.query().where('organization_id', owner.organization.id)
    assert.sameMembers(
      stored.map((project) => project.name),
      names
    )
  })

  test('concurrent creation of one name yields one 201 and 409s, never a 500', async ({
    client,
    assert,
  }) => {
    const owner = await signInWithOrganization(client)
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => createProject(client, owner, { name: 'same' }))
    )
    const statuses = responses.map((response) => response.status())
    assert.equal(statuses.filter((status) => status === 201).length, 1)
    assert.equal(statuses.filter((status) => status === 409).length, 11)
    for (const response of responses.filter((r) => r.status() === 409)) {
      assert.deepEqual(response.body().errors[0], {
        message: 'name is already taken',
        field: 'name',
        rule: 'unique',
      })
    }
    assert.lengthOf(await Project.query().where('name', 'same'), 1)
  })

  test('concurrent sign-ins with one username yield one user', async ({ client, assert }) => {
    const { clientAddress } = await import('#tests/lib/api')
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        client
          .post('/v1/auth/guest-signin')
          .header('x-forwarded-for', clientAddress())
          .json({ username: 'racer' })
      )
    )
    const statuses = responses.map((response) => response.status()).sort()
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409])
    assert.lengthOf(await db.from('users').where('username', 'racer'), 1)
  })
})
