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
    // Prettier's print width holds for strings and comments too (the preset sets max-len, but its
    // Prettier block turns it off). Japa titles stay whole: Prettier keeps a test call's title on
    // its line, and a title is what one searches for.
    rules: {
      '@stylistic/max-len': [
        'error',
        {
          code: 100,
          ignoreUrls: true,
          ignoreRegExpLiterals: true,
          ignorePattern: String.raw`^\s*test(\.group)?\(`,
        },
      ],
    },
  },
  {
    // Repo-level files are command lines named like their npm scripts
    // (`node scripts/cluster-local.ts` is `npm run cluster:local`): kebab-case there, AdonisJS's
    // snake_case in the backend app.
    files: ['conformance/**/*.ts', 'scripts/**/*.ts', 'tests/**/*.ts'],
    rules: { '@unicorn/filename-case': ['error', { case: 'kebabCase' }] },
  },
  {
    // Node's type stripping runs these files as written: a relative `./x.js` that tsc maps to x.ts
    // typechecks but fails at run time, so relative imports name the .ts file.
    files: ['conformance/**/*.ts', 'scripts/**/*.ts', 'tests/**/*.ts', 'backend/bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^\.{1,2}/.*\.js$`,
              message: 'Node type stripping runs the .ts file: import it by its .ts name.',
            },
          ],
        },
      ],
    },
  },
  {
    // `(await client.get(url)).assertStatus(200)` is the readable form in tests.
    files: ['backend/tests/**/*.ts'],
    rules: { '@unicorn/no-await-expression-member': 'off' },
  }
)
