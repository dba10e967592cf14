/* Every check of the suite, in run order (the spec files register them per file). */
import { argocdChecks } from './argocd.ts'
import { endpointChecks } from './endpoints.ts'
import { gitopsChecks } from './gitops.ts'
import { platformChecks } from './platform.ts'
import { signedImageChecks } from './signed-image.ts'

export const allChecks = [
  ...argocdChecks,
  ...gitopsChecks,
  ...endpointChecks,
  ...platformChecks,
  ...signedImageChecks,
]
