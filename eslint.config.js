// One ESLint config for all TypeScript in the repo: backend/, conformance/, scripts/, tests/.
// The AdonisJS app preset (as in adonisjs/starter-kits) plus the few repo-specific blocks below.
import { configApp } from '@adonisjs/eslint-config'

export default configApp(
  {
    ignores: [
      'backend/database/schema.ts',
      'backend/build/**',
      'backend/tmp/**',
      'backend/coverage/**',
      '**/.adonisjs/**',
      'reports/**',
      '.ark/**',
    ],
  },
  {
    // `(await client.get(url)).assertStatus(200)` is the readable form in tests.
    files: ['backend/tests/**/*.ts'],
    rules: { '@unicorn/no-await-expression-member': 'off' },
  }
)
