/*
 * A newcomer's first two commands, the way they meet them: a fresh clone of this commit in a
 * directory only its owner can enter, an empty toolchain cache, package lists apt has never
 * fetched, then `npm install` and `npm test` — which must be green with nothing installed by hand.
 * Reused on purpose (a fresh machine would download them again, nothing else changes): npm's
 * download cache and Go's module and build caches. Its own test database, dropped afterwards.
 * Runs as `npm run test:newcomer` (in .ci/run), not inside `npm test`, which it runs itself.
 */
import { test } from '@japa/runner'
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import { dropDatabase } from '../../scripts/lib/postgres.ts'
import { freePort } from '../../scripts/lib/supervisor.ts'
import { runEchoed, type EchoedRun } from '../lib/run-echoed.ts'

/** Runs a command in the clone, echoing its output so the outer run shows progress. */
function inClone(
  cwd: string,
  env: NodeJS.ProcessEnv,
  cmd: string,
  args: string[]
): Promise<EchoedRun> {
  console.log(`      $ ${cmd} ${args.join(' ')}`)
  return runEchoed(cmd, args, { cwd, env })
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`

test.group('a newcomer on a fresh machine', () => {
  test('fresh clone in an owner-only directory: npm install, then npm test, are green', async ({
    assert,
    cleanup,
  }) => {
    const home = mkdtempSync(join(tmpdir(), 'ark-newcomer-')) // mode 0700: only its owner can enter
    const database = `${process.env.TEST_DB_DATABASE || 'agent_ready_test'}_newcomer`
    cleanup(async () => {
      await dropDatabase(database).catch(() => {})
      execFileSync('chmod', ['-R', 'u+w', home]) // Go leaves module files read-only
      rmSync(home, { recursive: true, force: true })
    })
    assert.equal(statSync(home).mode & 0o777, 0o700)

    const clone = join(home, 'agent-ready-k8s')
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim()
    execFileSync('git', ['clone', '--quiet', '--no-checkout', repoRoot, clone])
    execFileSync('git', ['checkout', '--quiet', '--detach', head], { cwd: clone })

    // apt as on a machine that never ran `apt-get update`: its package lists are empty
    const aptLists = join(home, 'apt-lists')
    mkdirSync(join(aptLists, 'partial'), { recursive: true })
    writeFileSync(join(home, 'apt.conf'), `Dir::State::Lists "${aptLists}";\n`)
    const toolchain = join(home, 'toolchain')
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // a login shell's PATH: nothing of this checkout (its Node 24, its node_modules/.bin)
      PATH: (process.env.PATH ?? '')
        .split(delimiter)
        .filter((p) => !p.startsWith(repoRoot))
        .join(delimiter),
      ARK_TOOLCHAIN_DIR: toolchain,
      TEST_DB_DATABASE: database,
      // the backend tests' fixed port may be held by another run on this machine
      TEST_PORT: process.env.TEST_PORT || String(await freePort()),
      APT_CONFIG: join(home, 'apt.conf'),
    }
    for (const inherited of [
      'npm_config_prefix',
      'npm_lifecycle_event',
      'npm_lifecycle_script',
      'npm_package_json',
      'INIT_CWD',
      'ARK_LOCAL_DIR',
      'ARK_CONFORMANCE_REPORTS',
    ])
      delete env[inherited]

    const install = await inClone(clone, env, 'npm', ['install', '--no-audit', '--no-fund'])
    assert.equal(install.code, 0, `npm install failed:\n${install.out.slice(-3000)}`)
    const npmTest = await inClone(clone, env, 'npm', ['test'])
    console.log(`      npm install ${seconds(install.ms)}, npm test ${seconds(npmTest.ms)}`)
    assert.equal(npmTest.code, 0, `npm test failed:\n${npmTest.out.slice(-5000)}`)

    // both suites ran and nothing failed
    const tallies = [...npmTest.out.matchAll(/^\s*Tests\s+(.*)$/gm)].map((m) => m[1])
    assert.lengthOf(
      tallies,
      2,
      `expected the backend and repo tallies, got: ${tallies.join(' | ')}`
    )
    for (const t of tallies) assert.notMatch(t, /failed/)
    // the workflow lint ran with the shellcheck the project
    // fetched into the empty cache, from its own package lists
    const [pinDir] = readdirSync(toolchain)
    assert.isTrue(
      existsSync(join(toolchain, pinDir, 'bin', 'shellcheck')),
      'shellcheck is in the toolchain cache'
    )
    assert.include(
      readFileSync(join(toolchain, pinDir, 'logs', 'shellcheck.log'), 'utf8'),
      `Dir::State::Lists=${join(toolchain, pinDir, 'apt', 'lists')}`
    )
    assert.match(
      npmTest.out,
      /✔ every workflow passes actionlint \(with shellcheck on run: scripts\)/
    )
    // the image's user (uid 1000) ran the production build although it cannot enter the clone
    assert.match(
      npmTest.out,
      /✔ the production build runs and the built server answers \/health as the image would/
    )
  }).timeout(30 * 60_000)
})
