import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import Organization from '#models/organization'
import Project from '#models/project'
import { attributeColumns, statement } from '#services/rows'

test.group('statements (#services/rows)', (group) => {
  group.each.setup(() => testUtils.db().truncate())

  test('each value is bound where its parameter was used, constants stay', async ({ assert }) => {
    const [mine, other] = await Organization.createMany([{ name: 'mine' }, { name: 'other' }])
    await Project.createMany(
      [mine, mine, mine, other].map((organization, i) => ({
        organizationId: organization.id,
        name: `p${i}`,
      }))
    )
    // parameters in another order than the SQL's bindings, and a constant (the name) between them
    const projects = statement<{ name: string; organizationId: number }, [number, number]>(
      (limit, organizationId) =>
        Project.query()
          .select(attributeColumns(Project))
          .where('organization_id', organizationId)
          .whereNot('name', 'p1')
          .orderBy('id')
          .limit(limit)
    )
    const rows = await projects(5, mine.id)
    assert.deepEqual(
      rows.map((row) => [row.name, row.organizationId]),
      [
        ['p0', mine.id],
        ['p2', mine.id],
      ]
    )
    assert.deepEqual(
      (await projects(1, other.id)).map((row) => row.name),
      ['p3']
    )
  })

  test('a parameter the builder only computes with is refused, naming the SQL', async ({
    assert,
  }) => {
    const pageOf = statement<unknown, [number]>((page) => db.from('projects').forPage(page, 20))
    await assert.rejects(() => pageOf(2), /parameter 1 reaches the SQL only computed: select/)
  })
})
