/*
 * A small Dockerfile reader: stages with their WORKDIR, RUN, ENV, CMD..., so the image build test
 * and bench:api run the Dockerfile's own commands instead of a copy that could drift from it.
 */
export type Stage = {
  name: string
  from: string
  /** each RUN with the WORKDIR it runs in */
  runs: { workdir: string; command: string }[]
  copies: string[]
  env: Record<string, string>
  workdir: string
  cmd?: string[]
  user?: string
  expose: string[]
  healthcheck?: string
}

export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
  const args: Record<string, string> = {}
  const stages: Stage[] = []
  let current: Stage | undefined
  for (const line of lines) {
    const [, instruction, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? []
    switch (instruction?.toUpperCase()) {
      case 'ARG': {
        const [k, v] = rest.split('=')
        if (!current) args[k] = v ?? ''
        break
      }
      case 'FROM': {
        const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? []
        const from = image.replace(/\$\{(\w+)\}/g, (_, k) => args[k] ?? '')
        const base = stages.find((s) => s.name === from)
        current = {
          name: name ?? `stage${stages.length}`,
          from,
          runs: [],
          copies: [],
          env: { ...(base?.env ?? {}) },
          workdir: base?.workdir ?? '/',
          expose: [],
        }
        stages.push(current)
        break
      }
      case 'WORKDIR':
        current!.workdir = rest.startsWith('/')
          ? rest
          : `${current!.workdir.replace(/\/$/, '')}/${rest}`
        break
      case 'RUN':
        current!.runs.push({ workdir: current!.workdir, command: rest })
        break
      case 'COPY':
        current!.copies.push(rest)
        break
      case 'ENV':
        for (const [, k, v] of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g))
          current!.env[k] = v.replace(/^"|"$/g, '')
        break
      case 'CMD':
        current!.cmd = JSON.parse(rest)
        break
      case 'USER':
        current!.user = rest
        break
      case 'EXPOSE':
        current!.expose.push(...rest.split(/\s+/))
        break
      case 'HEALTHCHECK':
        current!.healthcheck = rest
        break
    }
  }
  return { args, stages }
}
