/* Connections shared by every check of a run, created on first use from the active profile. */
import { connect, type Kube } from './kube.ts'
import { activeProfile } from './profile.ts'
import { openSource, type Source } from './source.ts'

let kubeClient: Kube | undefined
let gitSource: Source | undefined

export function kube(): Kube {
  const profile = activeProfile()
  kubeClient ??= connect(profile.kubeconfig, profile.kubeContext)
  return kubeClient
}

export function source(): Source {
  gitSource ??= openSource(activeProfile().git)
  return gitSource
}
