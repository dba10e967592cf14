/*
 * /docs in a real browser: the system's Chromium (Debian package `chromium`; CHROMIUM_PATH names
 * another build, e.g. the Chrome of GitHub's runners), driven by playwright-core, opens Swagger UI,
 * authorizes with a guest token, runs GET /v1/auth/me through "Try it out" and sees 200. The
 * screenshot lands in reports/docs/.
 */
import { test } from '@japa/runner'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { baseUrl, signIn } from '#tests/lib/api'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const reportsDir = fileURLToPath(new URL('../../../reports/docs/', import.meta.url))

/**
 * A clean, quiet, offline-friendly browser: no sandbox (root in CI), no GPU, no background traffic.
 */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

test.group('/docs in a browser', () => {
  test('Swagger UI authorizes with a guest token and runs GET /v1/auth/me: 200', async ({
    client,
    assert,
  }) => {
    const guest = await signIn(client)
    const profile = mkdtempSync(join(tmpdir(), 'docs-browser-'))
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
    })
    try {
      const page = browser.pages()[0] ?? (await browser.newPage())
      const problems: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text())
      })
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.url()}: ${response.status()}`)
      })
      page.on('pageerror', (error) => problems.push(error.message))
      page.on('requestfailed', (request) => problems.push(`${request.url()} failed`))

      await page.goto(`${baseUrl()}/docs`)
      await page.locator('.swagger-ui .info .title').getByText('Backend API').waitFor()

      await page.locator('.scheme-container button.authorize').click()
      await page.locator('.modal-ux input').fill(guest.token)
      await page.locator('.modal-ux button.authorize').click()
      await page.locator('.modal-ux button.btn-done').click()

      const me = page.locator('#operations-auth-get_v1_auth_me')
      await me.locator('.opblock-summary').click()
      await me.locator('button.execute').click()
      const status = me.locator('.live-responses-table .response .response-col_status')
      await status.first().waitFor()
      assert.equal((await status.first().textContent())?.trim(), '200')
      const body = await me.locator('.live-responses-table .response-col_description pre').first()
      assert.include(await body.textContent(), guest.user.username)

      mkdirSync(reportsDir, { recursive: true })
      await page.screenshot({ path: join(reportsDir, 'auth-me.png'), fullPage: true })
      // Every file came from this API and the page's CSP blocked nothing it needs…
      assert.deepEqual(problems, [])
      // …while it is in force: a script injected into the page does not run.
      const injected = await page.evaluate(`(() => {
        const script = document.createElement('script')
        script.textContent = 'document.body.dataset.injected = "ran"'
        document.body.append(script)
        return document.body.dataset.injected ?? 'blocked'
      })()`)
      assert.equal(injected, 'blocked')
    } finally {
      await browser.close()
      rmSync(profile, { recursive: true, force: true })
    }
  })
    .timeout(120_000)
    // CI installs chromium (.ci/system-packages.sh) and
    // must run this; elsewhere say why it is skipped.
    .skip(
      !existsSync(CHROMIUM) && !process.env.CI,
      `${CHROMIUM} is missing: install the Debian package "chromium" (bash .ci/system-packages.sh)`
    )
})
