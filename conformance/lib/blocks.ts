/*
 * Where each check sits in the roadmap. The one table; AGENTS.md and
 * docs/conformance.md print the same mapping.
 */
export const BLOCKS = {
  projects: 'Block 3',
  applications: 'Block 4',
  helmReleases: 'Block 5',
  gitops: 'Block 7',
  endpoints: 'Block 12',
  phase1b: 'Phase 1b',
} as const
