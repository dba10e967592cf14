/*
 * The roadmap's blocks, numbered as the roadmap numbers them. Every check names
 * one of these; results.json, JUnit and the docs print "Block <n>". A check
 * outside 1–16 is refused (conformance/tests/roadmap-table.spec.ts).
 */
const ROADMAP_BLOCKS = {
  1: 'AppProjects',
  2: 'ingress-nginx',
  3: 'PostgreSQL',
  4: 'Redis',
  5: 'podinfo',
  6: 'root app',
  7: 'GitOps workflow tests',
  8: 'Argo CD bootstrap',
  9: 'backend structure',
  10: 'backend chart',
  11: 'CI pipeline',
  12: 'backend deploy',
  13: 'models and migrations',
  14: 'CRUD APIs',
  15: 'authentication',
  16: 'tests and coverage',
} as const

export type BlockNumber = keyof typeof ROADMAP_BLOCKS

export function isRoadmapBlock(n: unknown): n is BlockNumber {
  return typeof n === 'number' && Object.hasOwn(ROADMAP_BLOCKS, n)
}

export function blockLabel(n: BlockNumber): string {
  return `Block ${n}`
}

/**
 * The roadmap's Applications and the block that creates each (the Application checks follow this).
 */
export const ROADMAP_APPS: { app: string; block: BlockNumber }[] = [
  { app: 'ingress-nginx', block: 2 },
  { app: 'postgresql', block: 3 },
  { app: 'redis', block: 4 },
  { app: 'podinfo', block: 5 },
  { app: 'backend', block: 12 },
]
