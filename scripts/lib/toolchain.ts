/*
 * Where the pinned toolchain lives. Binaries are built from the Go module
 * proxy (shellcheck: unpacked from its Debian package) by scripts/toolchain.ts
 * into a per-machine cache outside the repo:
 *   $ARK_TOOLCHAIN_DIR (default ~/.cache/agent-ready-k8s/toolchain)/<pin-hash>/bin
 * The pin hash changes whenever scripts/toolchain/pins.json changes, so a pin
 * change can never reuse a stale binary.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A tool built from the Go module proxy. */
export type GoToolPin = {
  module: string
  version: string
  /** kubernetes only: the version of its k8s.io/* staging modules */
  stagingVersion?: string
  /**
   * "install": plain `go install pkg@version`; "wrapper":
   * a throwaway main module requiring `module`
   */
  build: 'install' | 'wrapper'
  binaries: string[]
  /** binary -> main package */
  packages: Record<string, string>
  /** `-X` assignments; {version} {semver} {major} {minor} are filled from `version` */
  ldflags?: string[]
}
/**
 * A tool that is no Go module (shellcheck is Haskell): the Debian package at this exact version,
 * fetched with `apt-get download` (signature-checked by apt) and unpacked into the cache with
 * `dpkg-deb -x`; nothing is installed system-wide and no root is needed.
 */
export type DebianToolPin = {
  build: 'debian'
  /** the Debian package name */
  package: string
  /** the Debian version, e.g. 0.9.0-1; the binary reports the upstream part (0.9.0) */
  version: string
  binaries: string[]
  /** binary -> its path inside the package */
  packages: Record<string, string>
}
export type ToolPin = GoToolPin | DebianToolPin
export type Pins = { go: { minimum: string }; tools: Record<string, ToolPin> }

const pinsFile = fileURLToPath(new URL('../toolchain/pins.json', import.meta.url))

export function readPins(): Pins {
  return JSON.parse(readFileSync(pinsFile, 'utf8')) as Pins
}

function pinHash(): string {
  return createHash('sha256').update(readFileSync(pinsFile)).digest('hex').slice(0, 12)
}

export function toolchainRoot(): string {
  return process.env.ARK_TOOLCHAIN_DIR || join(homedir(), '.cache', 'agent-ready-k8s', 'toolchain')
}

export function toolchainBinDir(): string {
  return join(toolchainRoot(), pinHash(), 'bin')
}

/** Which pinned tool provides a binary (e.g. "kubectl" -> "kubernetes"). */
function toolOf(binary: string): string {
  for (const [tool, pin] of Object.entries(readPins().tools)) {
    if (pin.binaries.includes(binary)) return tool
  }
  throw new Error(`"${binary}" is not a binary of any tool pinned in ${pinsFile}`)
}

/** Absolute path of a pinned binary; fails with the command that builds it. */
export function toolPath(binary: string): string {
  const path = join(toolchainBinDir(), binary)
  if (!existsSync(path)) {
    throw new Error(
      `${binary} is not built yet (looked in ${path}): run ` +
        `"npm run toolchain -- --only ${toolOf(binary)}"`
    )
  }
  return path
}

/**
 * Argo CD's CRDs (crds/) and base config (config/),
 * copied from the pinned module by the toolchain build.
 */
export function argocdManifestsDir(): string {
  return join(toolchainRoot(), pinHash(), 'share', 'argocd')
}
