/*
 * Pushes a small, real image (one gzip'd tar layer holding a text file, an
 * OCI config, an OCI manifest) through the distribution HTTP API: blob upload
 * sessions (POST then PUT ?digest=) and a manifest PUT by tag.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** A reproducible tar (fixed mtime/owner/order) holding /hello.txt with `content`. */
function tarLayer(content: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'ark-layer-'))
  try {
    writeFileSync(join(dir, 'hello.txt'), content)
    return execFileSync('tar', [
      '--create',
      '--sort=name',
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-C',
      dir,
      'hello.txt',
    ])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function pushBlob(base: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = digestOf(bytes)
  const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' })
  if (start.status !== 202)
    throw new Error(`starting a blob upload: HTTP ${start.status} ${await start.text()}`)
  const location = new URL(start.headers.get('location')!, base)
  location.searchParams.set('digest', digest)
  const put = await fetch(location, {
    method: 'PUT',
    body: new Uint8Array(bytes),
    headers: { 'content-type': 'application/octet-stream' },
  })
  if (put.status !== 201)
    throw new Error(`uploading blob ${digest}: HTTP ${put.status} ${await put.text()}`)
  return { digest, size: bytes.length }
}

/** Pushes `registryHost/repository:tag` and returns the manifest digest. */
export async function pushImage(
  registryHost: string,
  repository: string,
  tag: string,
  content: string
): Promise<string> {
  const base = `http://${registryHost}/v2/${repository}`
  const tar = tarLayer(content)
  const layer = await pushBlob(base, gzipSync(tar))
  const config = await pushBlob(
    base,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
      })
    )
  )
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    })
  )
  const put = await fetch(`${base}/manifests/${tag}`, {
    method: 'PUT',
    body: new Uint8Array(manifest),
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  })
  if (put.status !== 201)
    throw new Error(`pushing manifest ${repository}:${tag}: HTTP ${put.status} ${await put.text()}`)
  const digest = digestOf(manifest)
  if (put.headers.get('docker-content-digest') !== digest) {
    throw new Error(
      `registry stored ${repository}:${tag} ` +
        `as ${put.headers.get('docker-content-digest')}, expected ${digest}`
    )
  }
  return digest
}
