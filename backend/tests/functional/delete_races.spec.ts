/*
 * Writes racing the delete of their organization: they answer 404, never 5xx
 * and never a 200 for something that is gone. The race is made exact rather
 * than hoped for: the test deletes the organization in an open transaction,
 * sends the write, waits until PostgreSQL shows the write blocked on that
 * transaction's lock, then commits the delete.
 */
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import testUtils from '@adonisjs/core/services/test_utils'
import type { ApiResponse } from '@japa/api-client'
import Organization from '#models/organization'
import Project from '#models/project'
import { signIn, signInWithOrganization, unique } from '#tests/lib/api'

const BLOCKED_WITHIN_MS = 10_000

/**
 * Resolves once another session of this database waits
 * for a lock (the request blocked on the delete).
 */
async function untilABackendWaitsForALock() {
  const deadline = Date.now() + BLOCKED_WITHIN_MS
  while (Date.now() < deadline) {
    const { rows } = await db.rawQuery(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`
    )
    if (rows[0].waiting > 0) return
  }
  throw new Error(`no request blocked on the organization's delete within ${BLOCKED_WITHIN_MS} ms`)
}

/**
 * Deletes the organization in a transaction, lets `write`
 * start and block on it, commits, returns the write's answer.
 */
async function raceDelete(organizationId: number, write: () => Promise<ApiResponse>) {
  const trx = await db.transaction()
  try {
    await trx.from('organizations').where('id', organizationId).delete()
    // Japa's request sends on every then(): adopt it into one promise, so it is sent once.
    const pending = Promise.resolve(write())
    // A failed write settles early; don't leave it unobserved while waiting.
    pending.catch(() => {})
    await untilABackendWaitsForALock()
    await trx.commit()
    return await pending
  } catch (error) {
    if (!trx.isCompleted) await trx.rollback()
    throw error
  }
}

test.group('races · organization deleted under a write', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('creating a project answers 404, and nothing is left behind', async ({ client, assert }) => {
    const { auth, organization } = await signInWithOrganization(client)
    const name = unique('project')
    const response = await raceDelete(organization.id, () =>
      client.post(`/v1/organizations/${organization.id}/projects`).headers(auth).json({ name })
    )
    response.assertStatus(404)
    response.assertBody({ errors: [{ message: 'Organization not found' }] })
    assert.isNull(await Project.findBy('name', name))
  })

  test('adding a member answers 404, and the user stays without organization', async ({
    client,
    assert,
  }) => {
    const { auth, organization } = await signInWithOrganization(client)
    const other = await signIn(client)
    const response = await raceDelete(organization.id, () =>
      client
        .post(`/v1/organizations/${organization.id}/members`)
        .headers(auth)
        .json({ username: other.user.username })
    )
    response.assertStatus(404)
    response.assertBody({ errors: [{ message: 'Organization not found' }] })
    const [row] = await db.from('users').where('id', other.user.id).select('organization_id')
    assert.isNull(row.organization_id)
  })

  test('renaming the organization answers 404, not a 200 for a deleted one', async ({
    client,
    assert,
  }) => {
    const { auth, organization } = await signInWithOrganization(client)
    const response = await raceDelete(organization.id, () =>
      client
        .put(`/v1/organizations/${organization.id}`)
        .headers(auth)
        .json({ name: unique('renamed') })
    )
    response.assertStatus(404)
    response.assertBody({ errors: [{ message: 'Organization not found' }] })
    assert.isNull(await Organization.find(organization.id))
  })

  test('updating one of its projects answers 404, not a 200 for a deleted one', async ({
    client,
    assert,
  }) => {
    const { auth, organization } = await signInWithOrganization(client)
    const created = await client
      .post(`/v1/organizations/${organization.id}/projects`)
      .headers(auth)
      .json({ name: unique('project') })
    created.assertStatus(201)
    const response = await raceDelete(organization.id, () =>
      client.put(`/v1/projects/${created.body().id}`).headers(auth).json({ description: 'late' })
    )
    response.assertStatus(404)
    response.assertBody({ errors: [{ message: 'Project not found' }] })
    assert.isNull(await Project.find(created.body().id))
  })

  test('when the write wins the lock, the delete waits and both succeed', async ({
    client,
    assert,
  }) => {
    const { auth, organization } = await signInWithOrganization(client)
    const trx = await db.transaction()
    try {
      // The write holds the organization (key-share lock of the project's foreign key) ...
      await trx
        .insertQuery()
        .table('projects')
        .insert({
          organization_id: organization.id,
          name: unique('held'),
          created_at: new Date(),
          updated_at: new Date(),
        })
      // ... so the delete blocks until the write commits, then removes both.
      const deleting = Promise.resolve(
        client.delete(`/v1/organizations/${organization.id}`).headers(auth)
      )
      deleting.catch(() => {})
      await untilABackendWaitsForALock()
      await trx.commit()
      ;(await deleting).assertStatus(204)
    } finally {
      if (!trx.isCompleted) await trx.rollback()
    }
    assert.lengthOf(await Project.query().where('organization_id', organization.id), 0)
  })
})
