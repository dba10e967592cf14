/*
 * One set of conventions for all TypeScript: the root ESLint and Prettier configs reach the
 * backend and the repo-level trees alike, every tsconfig is typechecked, and `npm test` runs both
 * before its suites.
 */
import { test } from '@japa/runner'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ESLint } from 'eslint'
import * as prettier from 'prettier'
import { repoRoot } from '../../scripts/lib/local-state.ts'

const TREES = ['backend/app', 'backend/tests', 'conformance', 'scripts', 'tests']
const RUN_BY_TYPE_STRIPPING = ['conformance', 'scripts', 'tests']
const scripts: Record<string, string> = JSON.parse(
  readFileSync(join(repoRoot, 'package.json'), 'utf8')
).scripts

test.group('conventions', () => {
  test('ESLint applies the one config to every tree', async ({ assert }) => {
    const eslint = new ESLint({ cwd: repoRoot })
    // a shadowed name (the AdonisJS preset), a one-line body (Prettier), a .js specifier (ours)
    const code =
      "import { a } from './x.js'\nconst b = 1\nexport function f(b: number) { return a + b }\n"
    for (const tree of TREES) {
      const [result] = await eslint.lintText(code, { filePath: join(repoRoot, tree, 'probe.ts') })
      const rules = result.messages.map((m) => m.ruleId)
      assert.includeMembers(rules, ['@typescript-eslint/no-shadow', 'prettier/prettier'], tree)
      if (RUN_BY_TYPE_STRIPPING.includes(tree)) assert.include(rules, 'no-restricted-imports', tree)
      else assert.notInclude(rules, 'no-restricted-imports', tree) // the backend imports .js
    }
  })

  test('Prettier formats every tree with the AdonisJS settings', async ({ assert }) => {
    const ignorePath = [join(repoRoot, '.gitignore'), join(repoRoot, '.prettierignore')]
    for (const tree of TREES) {
      const file = join(repoRoot, tree, 'probe.ts')
      const info = await prettier.getFileInfo(file, { ignorePath })
      assert.isFalse(info.ignored, `${tree} is left out of Prettier`)
      const options = await prettier.resolveConfig(file)
      assert.include(options, { printWidth: 100, semi: false, singleQuote: true }, tree)
    }
  })

  test('npm run typecheck covers every tsconfig', ({ assert }) => {
    const tsconfigs = execFileSync('git', ['ls-files', '*tsconfig*.json'], {
      cwd: repoRoot,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
    assert.isAbove(tsconfigs.length, 2)
    const checked = scripts.typecheck.split(' && ').map((step) => step.match(/^tsc -p (\S+)/)?.[1])
    assert.sameMembers(checked, tsconfigs, `"typecheck" is ${scripts.typecheck}`)
  })

  test('npm test lints and typechecks before the suites', ({ assert }) => {
    const steps = scripts.pretest.split(' && ')
    assert.includeMembers(steps, ['npm run lint', 'npm run typecheck'])
    assert.match(scripts.lint, /^eslint .* \. && prettier .*--check \.$/)
  })
})
