/*
 * What explains a failed check: the Application's conditions and last sync
 * result, recent events in the target namespace, pod states. Collected only
 * on failure; each section degrades to a note instead of throwing.
 */
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node'
import { existsSync } from 'node:fs'
import { getApplication, type Application } from './argocd.ts'
import { describeError } from '../../scripts/lib/expect.ts'
import { tailFile } from '../../scripts/lib/log-tail.ts'
import type { Kube } from './kube.ts'

export function formatApplication(app: Application): string {
  const s = app.status ?? {}
  const lines = [
    `Application ${app.metadata.namespace}/${app.metadata.name}: ` +
      `sync ${s.sync?.status ?? 'Unknown'} at ${s.sync?.revision ?? '?'}, ` +
      `health ${s.health?.status ?? 'Unknown'}${s.health?.message ? ` (${s.health.message})` : ''}`,
  ]
  for (const c of s.conditions ?? []) lines.push(`  condition ${c.type}: ${c.message}`)
  const op = s.operationState
  if (op) {
    lines.push(
      `  last sync: ${op.phase ?? '?'} ${op.startedAt ?? ''} → ${op.finishedAt ?? 'running'} ` +
        `rev ${op.syncResult?.revision ?? op.operation?.sync?.revision ?? '?'}` +
        (op.message ? ` · ${op.message}` : '')
    )
    for (const r of op.syncResult?.resources ?? []) {
      if (r.status && r.status !== 'Synced')
        lines.push(`    ${r.kind}/${r.name}: ${r.status}${r.message ? ` · ${r.message}` : ''}`)
    }
  } else {
    lines.push('  last sync: none recorded')
  }
  for (const r of s.resources ?? []) {
    if (r.status !== 'Synced' || (r.health?.status && r.health.status !== 'Healthy')) {
      lines.push(
        `  resource ${r.kind}/${r.name}: ${r.status ?? '?'}` +
          (r.health?.status ? `/${r.health.status}` : '') +
          (r.health?.message ? ` · ${r.health.message}` : '')
      )
    }
  }
  return lines.join('\n')
}

export function formatEvents(events: CoreV1Event[], limit = 15): string {
  const time = (e: CoreV1Event) =>
    new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0).getTime()
  const recent = [...events].sort((a, b) => time(a) - time(b)).slice(-limit)
  if (recent.length === 0) return 'events: none'
  return [
    'events (oldest first):',
    ...recent.map(
      (e) =>
        `  ${new Date(time(e)).toISOString().slice(11, 19)} ${e.type ?? ''} ` +
        `${e.involvedObject?.kind}/${e.involvedObject?.name} ${e.reason ?? ''}: ` +
        (e.message ?? '').trim()
    ),
  ].join('\n')
}

export function formatPods(pods: V1Pod[]): string {
  if (pods.length === 0) return 'pods: none'
  return [
    'pods:',
    ...pods.map((p) => {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '?'
      const waiting = (p.status?.containerStatuses ?? [])
        .map((c) => c.state?.waiting?.reason)
        .filter(Boolean)
      const mem = p.spec?.containers
        ?.map((c) => c.resources?.limits?.memory)
        .filter(Boolean)
        .join(',')
      return (
        `  ${p.metadata?.name} phase ${p.status?.phase ?? '?'} ` +
        `ready ${ready}` +
        (p.metadata?.deletionTimestamp ? ' terminating' : '') +
        (waiting.length ? ` waiting ${waiting.join(',')}` : '') +
        (mem ? ` mem-limit ${mem}` : '')
      )
    }),
  ].join('\n')
}

export type DiagnosticTarget = {
  argocdNamespace: string
  app?: string
  namespace?: string
  podSelector?: string
}

export async function collectDiagnostics(kube: Kube, target: DiagnosticTarget): Promise<string> {
  const sections: string[] = []
  if (target.app) {
    try {
      sections.push(
        formatApplication(await getApplication(kube, target.argocdNamespace, target.app))
      )
    } catch (error) {
      sections.push(`Application ${target.app}: unreadable (${describeError(error)})`)
    }
  }
  if (target.namespace) {
    try {
      const events = await kube.core.listNamespacedEvent({ namespace: target.namespace })
      sections.push(formatEvents(events.items))
    } catch (error) {
      sections.push(`events: unreadable (${describeError(error)})`)
    }
    try {
      const pods = await kube.core.listNamespacedPod({
        namespace: target.namespace,
        labelSelector: target.podSelector,
      })
      sections.push(formatPods(pods.items))
    } catch (error) {
      sections.push(`pods: unreadable (${describeError(error)})`)
    }
  }
  return sections.join('\n')
}

/** Last lines of a log (scripts/lib/log-tail.ts reads only its end), indented, cut at 300 chars. */
export function tailLog(path: string, lines = 20): string {
  if (!existsSync(path)) return `log ${path}: missing`
  const tail = tailFile(path, lines).split('\n').filter(Boolean)
  return [`last ${tail.length} lines of ${path}:`, ...tail.map((l) => `  ${l.slice(0, 300)}`)].join(
    '\n'
  )
}
