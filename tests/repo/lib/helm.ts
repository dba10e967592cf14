/*
 * The real helm binary of the pinned toolchain (never one from PATH), and YAML documents
 * of its output, each tagged with the file a problem should be reported against.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { parseAllDocuments } from 'yaml'
import { toolPath } from '../../../scripts/lib/toolchain.ts'

const run = promisify(execFile)

/** Kubernetes version the charts are rendered for (the project's 1.34 line). */
const kubeVersion = 'v1.34.4'

export type Doc = { file: string; object: Record<string, any> }

export async function helm(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(toolPath('helm'), args, { cwd, maxBuffer: 32 * 1024 * 1024 })
    return stdout
  } catch (e) {
    const err = e as Error & { stderr?: string; stdout?: string }
    // lint reports on stdout, other commands on stderr: keep both
    throw new Error(
      `helm ${args.join(' ')} ` +
        `failed: ${[err.stdout, err.stderr].filter(Boolean).join('\n').trim() || err.message}`
    )
  }
}

/** YAML documents of a string; `file` names where they come from. */
export function docsOf(text: string, file: string): Doc[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`${file}: invalid YAML: ${d.errors[0].message}`)
      return d.toJS() as Record<string, any> | null
    })
    .filter((o): o is Record<string, any> => !!o && typeof o === 'object')
    .map((object) => ({ file, object }))
}

/**
 * `helm template` of a chart folder (relative to root) with
 * extra args; documents are tagged "<chart> (<label>)".
 */
export async function template(
  root: string,
  chart: string,
  release: string,
  args: string[] = [],
  label = 'defaults'
): Promise<Doc[]> {
  const out = await helm(root, ['template', release, chart, '--kube-version', kubeVersion, ...args])
  return docsOf(out, `${chart} (helm template, ${label})`)
}

/** The three renderings of the backend chart every check looks at. */
export const backendRenderings = [
  { label: 'defaults', args: [] as string[] },
  { label: 'values-kind.yaml', args: ['-f', 'helm/backend/values-kind.yaml'] },
  { label: 'values-local.yaml', args: ['-f', 'helm/backend/values-local.yaml'] },
]

/** The app-of-apps for a profile, with the one source setting filled as the root app would. */
export async function renderApps(
  root: string,
  profile: string,
  repoURL = 'file:///srv/git/agent-ready-k8s.git'
): Promise<Doc[]> {
  const out = await helm(root, [
    'template',
    'root',
    'gitops/apps',
    '--kube-version',
    kubeVersion,
    '--set',
    `source.repoURL=${repoURL}`,
    '--set-string',
    'source.targetRevision=main',
    '--set',
    `profile=${profile}`,
  ])
  // the catalogue in values.yaml is what a problem in a rendered Application comes from
  return docsOf(out, `gitops/apps/values.yaml (rendered for profile ${profile})`)
}
