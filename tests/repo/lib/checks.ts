/*
 * The offline validators of gitops/, helm/ and the Dockerfile. Each takes the root of a tree
 * (the checkout, or a broken copy in a temp dir) and returns problems that name a file, so the
 * same code proves the real tree clean and the broken fixtures caught.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parse } from 'yaml'
import { parseDockerfile } from '../../../scripts/lib/dockerfile.ts'
import { docsOf, helm, type Doc } from './helm.ts'
import { appProjects } from '../../../scripts/lib/gitops-apply.ts'

export type Problem = { file: string; message: string }
export const show = (ps: Problem[]) => ps.map((p) => `${p.file}: ${p.message}`).join('\n')

/** Every file under dir (relative to root), skipping nothing but .git. */
export function walk(root: string, dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name)
    if (name === '.git' || name === 'node_modules') continue
    if (statSync(join(root, rel)).isDirectory()) out.push(...walk(root, rel))
    else out.push(rel)
  }
  return out.sort()
}

/**
 * Kubernetes/Argo CD objects of the plain YAML files under gitops/ (not Helm templates or values).
 */
export function gitopsManifests(root: string): Doc[] {
  return walk(root, 'gitops')
    .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('gitops/apps/'))
    .flatMap((f) => docsOf(readFileSync(join(root, f), 'utf8'), f))
}

// ---------------------------------------------------------------------------------------------
// Schemas: kubernetes-models (Kubernetes 1.3x OpenAPI) and @kubernetes-models/argo-cd (CRDs).

const notKubernetesApi = new Set([
  'kustomize.config.k8s.io/v1beta1/Kustomization',
  'kind.x-k8s.io/v1alpha4/Cluster',
])

async function modelClass(
  apiVersion: string,
  kind: string
): Promise<(new (o: object) => { validate(): void }) | undefined> {
  const modulePath = apiVersion.startsWith('argoproj.io/')
    ? `@kubernetes-models/argo-cd/${apiVersion}`
    : `kubernetes-models/${apiVersion}`
  try {
    const mod = (await import(modulePath)) as Record<string, any>
    return mod[kind]
  } catch {
    return undefined
  }
}

export async function schemaProblems(docs: Doc[]): Promise<Problem[]> {
  const problems: Problem[] = []
  for (const { file, object } of docs) {
    const { apiVersion, kind } = object
    const name = `${kind ?? '?'} ${object.metadata?.name ?? object.name ?? '?'}`
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push({ file, message: `${name}: a document without apiVersion/kind` })
      continue
    }
    // checked by kustomizationProblems / kindConfigProblems
    if (notKubernetesApi.has(`${apiVersion}/${kind}`)) continue
    const Model = await modelClass(apiVersion, kind)
    if (!Model) {
      problems.push({
        file,
        message: `${name}: no Kubernetes or Argo CD schema for ${apiVersion} ${kind}`,
      })
      continue
    }
    try {
      new Model(object).validate()
    } catch (e) {
      problems.push({
        file,
        message: `${name} does not match the ${apiVersion} ${kind} schema: ${(e as Error).message}`,
      })
    }
  }
  return problems
}

// ---------------------------------------------------------------------------------------------
// helm lint --strict

export async function lintProblems(
  root: string,
  runs: { chart: string; args: string[] }[]
): Promise<Problem[]> {
  const problems: Problem[] = []
  for (const { chart, args } of runs) {
    try {
      await helm(root, ['lint', '--strict', chart, ...args])
    } catch (e) {
      problems.push({
        file: chart,
        message: `helm lint --strict ${args.join(' ')}: ${(e as Error).message}`,
      })
    }
  }
  return problems
}

// ---------------------------------------------------------------------------------------------
// AppProjects: destinations, sources and cluster-scoped kinds, with Argo CD's own glob rules
// (sourceRepos: '/' separates, '*' stays within a segment, '**' crosses; destinations: '*' any).

function globRegExp(pattern: string, separator?: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*'
      i++
    } else if (c === '*') re += separator ? `[^${separator}]*` : '.*'
    else if (c === '?') re += separator ? `[^${separator}]` : '.'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

/** Argo CD's NormalizeGitURL, as far as comparison needs: lower case, no trailing ".git". */
const normalizeRepo = (url: string) =>
  url
    .trim()
    .toLowerCase()
    .replace(/\.git$/, '')

export function sourcePermitted(project: Record<string, any>, repoURL: string): boolean {
  const src = normalizeRepo(repoURL)
  return (project.spec?.sourceRepos ?? []).some(
    (p: string) => p === '*' || globRegExp(normalizeRepo(p), '/').test(src)
  )
}

function destinationPermitted(
  project: Record<string, any>,
  server: string,
  namespace: string
): boolean {
  return (project.spec?.destinations ?? []).some(
    (d: { server?: string; namespace?: string }) =>
      globRegExp(d.server ?? '').test(server) && globRegExp(d.namespace ?? '').test(namespace ?? '')
  )
}

function clusterKindPermitted(project: Record<string, any>, group: string, kind: string): boolean {
  return (project.spec?.clusterResourceWhitelist ?? []).some(
    (r: { group: string; kind: string }) =>
      globRegExp(r.group).test(group) && globRegExp(r.kind).test(kind)
  )
}

/**
 * The AppProjects as bootstrap applies them (scripts/lib/gitops-apply.ts appProjects): the
 * committed source URL replaced by `repoURL` (default: the committed one), each with its file.
 */
export function loadProjects(
  root: string,
  repoURL?: string
): Map<string, { file: string; object: Record<string, any> }> {
  const files = new Map<string, string>()
  for (const doc of walk(root, 'gitops/projects').flatMap((f) =>
    docsOf(readFileSync(join(root, f), 'utf8'), f)
  )) {
    if (doc.object.kind === 'AppProject') files.set(doc.object.metadata.name, doc.file)
  }
  const projects = new Map<string, { file: string; object: Record<string, any> }>()
  for (const object of appProjects(repoURL ?? committedSourceURL(root), root)) {
    if (object.kind === 'AppProject')
      projects.set(object.metadata.name, {
        file: files.get(object.metadata.name) ?? 'gitops/projects',
        object,
      })
  }
  return projects
}

/** root-app.yaml's committed repoURL: the one source setting as the repository ships it. */
export function committedSourceURL(root: string): string {
  return parse(readFileSync(join(root, 'gitops/bootstrap/root-app.yaml'), 'utf8')).spec.source
    .repoURL
}

/** Sample URLs of the one source setting in each of its three forms (see docs/gitops.md). */
export const sourceSettingForms = [
  'https://github.com/someone/agent-ready-k8s.git',
  'git://172.18.0.1:9418/agent-ready-k8s.git',
  'file:///home/someone/.ark/git/agent-ready-k8s.git',
]

/**
 * Every Application's project exists, allows its destination and its source. `inRepoURLs` are the
 * forms the one source setting takes: for each, the projects are loaded as bootstrap applies them
 * for that URL, and an in-repo Application (path under helm/ or gitops/) is checked with it.
 */
export function projectProblems(
  root: string,
  applications: Doc[],
  inRepoURLs: string[] = sourceSettingForms
): Problem[] {
  const problems: Problem[] = []
  for (const url of inRepoURLs) {
    const projects = loadProjects(root, url)
    for (const { file, object: app } of applications) {
      if (app.kind !== 'Application') continue
      const name = app.metadata?.name
      const project = projects.get(app.spec?.project)
      if (!project) {
        problems.push({
          file,
          message:
            `Application ${name}: project "${app.spec?.project}" ` +
            'is not defined in gitops/projects/',
        })
        continue
      }
      const { server, namespace } = app.spec.destination ?? {}
      if (!destinationPermitted(project.object, server, namespace)) {
        problems.push({
          file,
          message:
            `Application ${name}: destination ${server} namespace "${namespace}" is not ` +
            `allowed by AppProject ${project.object.metadata.name} (${project.file})`,
        })
      }
      const sources = [app.spec.source, ...(app.spec.sources ?? [])].filter(Boolean)
      for (const source of sources) {
        const inRepo =
          source.path?.startsWith('helm/') ||
          source.path?.startsWith('gitops/') ||
          inRepoURLs.includes(source.repoURL)
        const checked = inRepo ? url : source.repoURL
        if (!sourcePermitted(project.object, checked)) {
          problems.push({
            file,
            message:
              `Application ${name}: source ${checked} is not in sourceRepos of ` +
              `AppProject ${project.object.metadata.name} (${project.file})`,
          })
        }
      }
    }
  }
  return [...new Map(problems.map((p) => [`${p.file}: ${p.message}`, p])).values()]
}

const clusterScopedKinds = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'IngressClass',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
])

/** Cluster-scoped objects a chart renders must be whitelisted by the project that deploys it. */
export function clusterScopeProblems(
  root: string,
  projectName: string,
  rendered: Doc[]
): Problem[] {
  const project = loadProjects(root).get(projectName)
  if (!project)
    return [{ file: 'gitops/projects', message: `AppProject ${projectName} is missing` }]
  return rendered
    .filter(({ object }) => clusterScopedKinds.has(object.kind))
    .filter(
      ({ object }) =>
        !clusterKindPermitted(
          project.object,
          (object.apiVersion as string).includes('/') ? object.apiVersion.split('/')[0] : '',
          object.kind
        )
    )
    .map(({ file, object }) => ({
      file,
      message:
        `${object.kind} ${object.metadata?.name} is cluster-scoped, ` +
        `which AppProject ${projectName} (${project.file}) does not allow`,
    }))
}

// ---------------------------------------------------------------------------------------------
// Pins: chart versions exact, images tagged (never latest) or by digest.

const exactVersion = /^v?\d+\.\d+\.\d+$/

export function chartPinProblems(root: string): Problem[] {
  const file = 'gitops/apps/values.yaml'
  const values = parse(readFileSync(join(root, file), 'utf8')) as { apps?: Record<string, any> }
  const problems: Problem[] = []
  for (const [name, app] of Object.entries(values.apps ?? {})) {
    if (!app.chart) continue
    if (!exactVersion.test(String(app.chart.version ?? ''))) {
      problems.push({
        file,
        message:
          `app ${name}: chart ${app.chart.repoURL} version ` +
          `"${app.chart.version ?? ''}" is not pinned to an exact version`,
      })
    }
  }
  const chart = parse(readFileSync(join(root, 'helm/backend/Chart.yaml'), 'utf8'))
  if (!exactVersion.test(String(chart.version)))
    problems.push({
      file: 'helm/backend/Chart.yaml',
      message: `chart version "${chart.version}" is not exact`,
    })
  return problems
}

/** Rendered Applications of remote charts must carry an exact targetRevision. */
export function applicationPinProblems(applications: Doc[]): Problem[] {
  return applications
    .filter(({ object }) => object.kind === 'Application')
    .flatMap(({ file, object }) =>
      [object.spec?.source, ...(object.spec?.sources ?? [])]
        .filter((source) => source && (source.chart || source.repoURL?.startsWith('oci://')))
        .filter((source) => !exactVersion.test(String(source.targetRevision ?? '')))
        .map((source) => ({
          file,
          message:
            `Application ${object.metadata.name}: chart revision ` +
            `"${source.targetRevision ?? ''}" is not pinned`,
        }))
    )
}

function imageProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || !image) return 'has no image'
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined
  const tag = image.slice(image.lastIndexOf('/') + 1).split(':')[1]
  if (!tag) return `image ${image} has no tag`
  if (tag === 'latest') return `image ${image} uses :latest`
  return undefined
}

/** Every container image of rendered workloads is pinned. */
export function renderedImageProblems(docs: Doc[]): Problem[] {
  const problems: Problem[] = []
  for (const { file, object } of docs) {
    const spec = object.kind === 'Pod' ? object.spec : object.spec?.template?.spec
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      const p = imageProblem(c.image)
      if (p)
        problems.push({
          file,
          message: `${object.kind} ${object.metadata?.name} container ${c.name} ${p}`,
        })
    }
  }
  return problems
}

/** Values files of remote charts: every `image`/`tag` they set is pinned; no ":latest" anywhere. */
export function latestTagProblems(root: string, files: string[]): Problem[] {
  const problems: Problem[] = []
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n')
    lines.forEach((line, i) => {
      if (/^\s*#/.test(line)) return
      if (/:latest\b/.test(line) || /^\s*tag:\s*["']?latest["']?\s*$/.test(line)) {
        problems.push({ file, message: `line ${i + 1} uses the "latest" tag: ${line.trim()}` })
      }
    })
  }
  return problems
}

/**
 * Keys of a values.yaml that nobody documented: a leaf needs a "# --" comment right above it or
 * above one of its parents (a comment on a group documents its members).
 */
export function undocumentedKnobs(text: string): string[] {
  const lines = text.split('\n')
  const stack: { indent: number; key: string; doc: boolean }[] = []
  const out: string[] = []
  lines.forEach((line, i) => {
    const m = /^(\s*)([A-Za-z0-9_.-]+):(\s*(.*))$/.exec(line)
    if (!m) return
    const indent = m[1].length
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop()
    let j = i - 1
    // plain comments between the doc and the key
    while (j >= 0 && /^\s*#(?! --)/.test(lines[j])) j--
    const doc = j >= 0 && /^\s*# --/.test(lines[j])
    const path = [...stack.map((s) => s.key), m[2]].join('.')
    const value = m[4].replace(/\s+#.*$/, '')
    const next = lines.slice(i + 1).find((l) => l.trim() && !l.trim().startsWith('#')) ?? ''
    const isParent = value === '' && next.length - next.trimStart().length > indent
    if (!isParent && !doc && !stack.some((s) => s.doc)) out.push(path)
    stack.push({ indent, key: m[2], doc })
  })
  return out
}

export { relative }

// ---------------------------------------------------------------------------------------------
// Digest pins: an image reference names its tag (for people and Dependabot) AND the sha256 digest
// of what was reviewed (for the runtime), so a re-pushed tag cannot change what runs.

const digestPinned = (image: string) => /^[^@\s]+:[\w][\w.-]*@sha256:[a-f0-9]{64}$/.test(image)

/**
 * Image references without tag@sha256. `exempt` names repositories built here (no registry digest).
 */
export function digestProblems(
  refs: { file: string; where: string; image: string }[],
  exempt: string[] = []
): Problem[] {
  return refs
    .filter(
      ({ image }) =>
        !exempt.some(
          (repo) => image === repo || image.startsWith(`${repo}:`) || image.startsWith(`${repo}@`)
        )
    )
    .filter(({ image }) => !digestPinned(image))
    .map(({ file, where, image }) => ({
      file,
      message: `${where}: image ${image} is not pinned as tag@sha256:<digest>`,
    }))
}

/**
 * The images a Dockerfile pulls: every FROM that is
 * not an earlier stage, and a `# syntax=` frontend.
 */
export function dockerfileImages(
  file: string,
  text: string
): { file: string; where: string; image: string }[] {
  // parser directives are the leading "# name=value" lines; the first other line ends them
  let syntax: string | undefined
  for (const line of text.split('\n')) {
    const m = /^#\s*(\w+)\s*=\s*(\S+)\s*$/.exec(line)
    if (!m) break
    if (m[1].toLowerCase() === 'syntax') syntax = m[2]
  }
  const { stages } = parseDockerfile(text)
  const images = stages
    .filter((s, i) => !stages.slice(0, i).some((earlier) => earlier.name === s.from))
    .map((s) => ({ file, where: `FROM of stage ${s.name}`, image: s.from }))
  return syntax ? [{ file, where: 'the # syntax= frontend', image: syntax }, ...images] : images
}
