#!/usr/bin/env node
/*
 * node scripts/promote-image.ts <registry/name> --tag main-<sha>
 * --digest sha256:<hex> [--values helm/backend/values-kind.yaml]
 *
 * Records a signed, verified image in the kind profile's backend values: image.repository, .tag and
 * .digest (the chart then runs repository:tag@digest, so the digest decides what runs). Comments
 * and every other key of the file stay as they are. Node built-ins only (no npm install in the
 * job). Prints whether the file changed; re-running with the same image changes nothing.
 * backend-ci's promote job runs it after sign + verify on main (docs/ci.md "Delivery loop"); the
 * conformance check "the backend runs the image CI signed" reads the result back from the cluster.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

export type Promotion = { repository: string; tag: string; digest: string }

/** Refuses what the chart's schema would refuse, before anything is written. */
export function promotionProblems(p: Promotion): string[] {
  const problems: string[] = []
  if (
    !/^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/.test(
      p.repository
    )
  )
    problems.push(`repository "${p.repository}" is not a lowercase registry/name`)
  if (!/^[\w][\w.-]{0,127}$/.test(p.tag) || p.tag === 'latest')
    problems.push(`tag "${p.tag}" is not a pinned tag`)
  if (!/^sha256:[a-f0-9]{64}$/.test(p.digest))
    problems.push(`digest "${p.digest}" is not sha256:<64 hex>`)
  return problems
}

/**
 * The values text with the image recorded; every other line (comments included) kept. A line edit,
 * not a YAML library: the promote job then runs no third-party code next to its write token. It
 * understands a top-level `image:` block mapping (or none) and refuses any other shape.
 */
export function promote(valuesText: string, p: Promotion): string {
  const problems = promotionProblems(p)
  if (problems.length) throw new Error(`refusing to promote: ${problems.join('; ')}`)
  const lines = valuesText.split('\n')
  const keys: [keyof Promotion, string][] = [
    ['repository', p.repository],
    ['tag', p.tag],
    ['digest', p.digest],
  ]
  const start = lines.findIndex((l) => /^image\s*:/.test(l))
  if (start < 0) {
    const body = valuesText === '' || valuesText.endsWith('\n') ? valuesText : `${valuesText}\n`
    return (
      `${body}# Promoted by backend-ci (scripts/promote-image.ts): ` +
      'the image it built, signed and verified on main.\n' +
      `image:\n${keys.map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}\n`
    )
  }
  if (!/^image\s*:\s*(#.*)?$/.test(lines[start]))
    throw new Error(
      `values file: "${lines[start].trim()}" is not a block ` +
        'mapping (image: on its own line, keys indented below)'
    )
  let end = start + 1
  while (end < lines.length && (/^\s+\S/.test(lines[end]) || lines[end].trim() === '')) end++
  while (end > start + 1 && lines[end - 1].trim() === '') end--
  const block = lines.slice(start + 1, end)
  const indent = /^(\s+)/.exec(block.find((l) => l.trim() && !l.trim().startsWith('#')) ?? '  ')![1]
  for (const [k, v] of keys) {
    const at = block.findIndex((l) => l.startsWith(`${indent}${k}:`))
    if (at >= 0 && /^\s*[\w-]+:\s*([|>].*)?$/.test(block[at]))
      throw new Error(`values file: image.${k} is not a plain scalar`)
    const line = `${indent}${k}: ${JSON.stringify(v)}`
    if (at >= 0) block[at] = line
    else block.push(line)
  }
  return [...lines.slice(0, start + 1), ...block, ...lines.slice(end)].join('\n')
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tag: { type: 'string' },
      digest: { type: 'string' },
      values: { type: 'string', default: 'helm/backend/values-kind.yaml' },
    },
  })
  if (positionals.length !== 1 || !values.tag || !values.digest) {
    throw new Error(
      'usage: node scripts/promote-image.ts <registry/name> --tag main-<sha> ' +
        '--digest sha256:<hex> [--values helm/backend/values-kind.yaml]'
    )
  }
  const file = values.values!
  const before = readFileSync(file, 'utf8')
  const after = promote(before, {
    repository: positionals[0],
    tag: values.tag,
    digest: values.digest,
  })
  if (after === before) {
    console.log(`${file}: already runs ${positionals[0]}:${values.tag}@${values.digest}`)
    return
  }
  writeFileSync(file, after)
  console.log(`${file}: now runs ${positionals[0]}:${values.tag}@${values.digest}`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main()
  } catch (e) {
    console.error(`promote-image: ${(e as Error).message}`)
    process.exit(1)
  }
}
