/*
 * Where a .cpuprofile (node --cpu-prof) spends its time: self time per function and per package,
 * counting only the samples inside a window (the load), so start-up does not blur the picture.
 */
import { readFileSync } from 'node:fs'

type Node = {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
type Profile = {
  nodes: Node[]
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

export type Share = { name: string; ms: number; percent: number }
export type Summary = {
  samples: number
  ms: number
  busyMs: number
  functions: Share[]
  packages: Share[]
}

/**
 * `node_modules/@scope/name/…` → `@scope/name`; the app's own files by folder; node's internals.
 */
function packageOf(url: string): string {
  if (url === '') return '(native / V8)'
  if (url.startsWith('node:')) return 'node (internals)'
  const parts = url.split('node_modules/')
  if (parts.length > 1) {
    const [first, second] = parts[parts.length - 1].split('/')
    return first.startsWith('@') ? `${first}/${second}` : first
  }
  const app = /\/backend\/((?:app|config|start|providers|bench)\/[^/]+)/.exec(url)
  return app ? `backend ${app[1]}` : url.replace(/^file:\/\//, '')
}

function frameName({ functionName, url, lineNumber }: Node['callFrame']) {
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/backend\//, '')
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim()
}

export function summarise(
  path: string,
  window?: { startUs: number; endUs: number },
  top = 25
): Summary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  let time = profile.startTime
  let total = 0
  let samples = 0
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i]
    const interval = profile.timeDeltas[i + 1] ?? 0
    if (window && (time < window.startUs || time > window.endUs)) continue
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + interval)
    total += interval
    samples++
  }
  const functions = new Map<string, number>()
  const packages = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)!
    if (callFrame.functionName === '(idle)') continue
    const name = frameName(callFrame)
    functions.set(name, (functions.get(name) ?? 0) + us)
    const pkg = ['(garbage collector)', '(program)'].includes(callFrame.functionName)
      ? callFrame.functionName
      : packageOf(callFrame.url)
    packages.set(pkg, (packages.get(pkg) ?? 0) + us)
  }
  const busy = [...functions.values()].reduce((a, b) => a + b, 0)
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: us / 1000,
        percent: Number(((100 * us) / busy).toFixed(1)),
      }))
  return {
    samples,
    ms: Math.round(total / 1000),
    busyMs: busy / 1000,
    functions: ranked(functions),
    packages: ranked(packages),
  }
}
