/*
 * The roadmap table of docs/conformance.md is the map from every roadmap validation to what proves
 * it. This keeps it honest: every check is in one of the roadmap's 16 blocks and appears in the
 * table; every check the table names exists; every test file it names exists; every row says
 * what proves it (a check, "covered by", "not a cluster check:" or "out of scope:").
 */
import { test } from '@japa/runner'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import { allChecks } from '../checks/all.ts'
import { isRoadmapBlock } from '../lib/blocks.ts'
import { check, titleOf } from '../lib/check.ts'

type Row = { block: string; line: string; proof: string }

function roadmapRows(markdown: string): Row[] {
  const start = markdown.indexOf('## The roadmap, line by line')
  if (start < 0)
    throw new Error('docs/conformance.md has no "## The roadmap, line by line" section')
  const end = markdown.indexOf('\n## ', start + 1)
  return markdown
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| block ') && !/^\|\s*-/.test(l))
    .map((l) => {
      const cells = l
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim())
      return { block: cells[0], line: cells[1], proof: cells.slice(2).join(' | ') }
    })
}

/** What is wrong with the table, one line per problem. */
function tableProblems(rows: Row[], titles: string[], exists: (path: string) => boolean): string[] {
  const problems: string[] = []
  const named = new Set<string>()
  for (const row of rows) {
    const where = `row "${row.block} | ${row.line}"`
    if (
      !isRoadmapBlock(Number(row.block)) &&
      !['Phase 1a checklist', 'Phase 1b checklist', 'final criteria'].includes(row.block)
    )
      problems.push(`${where}: "${row.block}" is not a roadmap block (1–16) or checklist`)
    const quoted = [...row.proof.matchAll(/`([^`]+)`/g)].map((m) => m[1])
    const checks = quoted.filter((q) => /^Block \d+ · /.test(q))
    for (const c of checks) {
      named.add(c)
      if (!titles.includes(c))
        problems.push(`${where}: names the check "${c}", which does not exist`)
    }
    if (/covered by/.test(row.proof)) {
      const paths = quoted.filter((q) => !/^Block \d+ · /.test(q) && /\//.test(q))
      if (paths.length === 0) problems.push(`${where}: "covered by" names no test path`)
      for (const p of paths)
        if (!exists(p)) problems.push(`${where}: names ${p}, which does not exist`)
    }
    const reasoned = /^(not a cluster check|out of scope): \S/.test(row.proof)
    if (checks.length === 0 && !/covered by/.test(row.proof) && !reasoned)
      problems.push(
        `${where}: says neither a check, "covered by <test>", nor ` +
          '"not a cluster check: <reason>" / "out of scope: <reason>"'
      )
  }
  for (const t of titles)
    if (!named.has(t)) problems.push(`the check "${t}" proves no row of the roadmap table`)
  return problems
}

test.group('roadmap table (docs/conformance.md)', () => {
  const markdown = readFileSync(join(repoRoot, 'docs', 'conformance.md'), 'utf8')
  const titles = allChecks.map(titleOf)
  const exists = (p: string) => existsSync(join(repoRoot, p))

  test('every check is in one of the roadmap blocks 1–16, with a unique title', ({ assert }) => {
    assert.deepEqual(allChecks.filter((c) => !isRoadmapBlock(c.block)).map(titleOf), [])
    assert.equal(new Set(titles).size, titles.length)
    assert.throws(
      () => check({ block: 17 as 7, name: 'x', timeout: 1, run: async () => undefined }),
      /block 17 is not one of the roadmap's blocks 1–16/
    )
  })

  test('every row names an existing check or test, or gives the reason; every check proves a row', ({
    assert,
  }) => {
    const rows = roadmapRows(markdown)
    assert.isAbove(rows.length, 150)
    assert.deepEqual(tableProblems(rows, titles, exists), [])
  })

  test('the table check notices a missing check, a missing test file, a row without proof and an unlisted check', ({
    assert,
  }) => {
    const rows: Row[] = [
      { block: '7', line: 'x', proof: '`Block 7 · teleport`' },
      { block: '10', line: 'y', proof: 'covered by `tests/repo/nowhere.spec.ts`' },
      { block: '3', line: 'z', proof: 'looks fine' },
      { block: 'Phase 9', line: 'w', proof: 'out of scope: later' },
    ]
    assert.deepEqual(tableProblems(rows, ['Block 7 · auto-sync'], exists), [
      'row "7 | x": names the check "Block 7 · teleport", which does not exist',
      'row "10 | y": names tests/repo/nowhere.spec.ts, which does not exist',
      'row "3 | z": says neither a check, "covered by <test>", nor ' +
        '"not a cluster check: <reason>" / "out of scope: <reason>"',
      'row "Phase 9 | w": "Phase 9" is not a roadmap block (1–16) or checklist',
      'the check "Block 7 · auto-sync" proves no row of the roadmap table',
    ])
  })
})
