import { test } from '@japa/runner'
import { readFileSync } from 'node:fs'
import app from '@adonisjs/core/services/app'

function keysOf(source: string, pattern: RegExp) {
  return [...source.matchAll(pattern)].map((match) => match[1]).sort()
}

test.group('.env.example', () => {
  test('documents exactly the settings start/env.ts validates', ({ assert }) => {
    const validated = keysOf(readFileSync(app.startPath('env.ts'), 'utf8'), /^ {2}([A-Z_]+):/gm)
    const documented = keysOf(readFileSync(app.makePath('.env.example'), 'utf8'), /^([A-Z_]+)=/gm)
    assert.isAbove(validated.length, 10)
    assert.deepEqual(documented, validated)
  })
})
