import { configApp } from '@adonisjs/eslint-config'

export default configApp(
  { ignores: ['database/schema.ts', 'build/**', 'tmp/**', 'coverage/**'] },
  {
    // `(await client.get(url)).assertStatus(200)` is the readable form in tests.
    files: ['tests/**/*.ts'],
    rules: { '@unicorn/no-await-expression-member': 'off' },
  }
)
