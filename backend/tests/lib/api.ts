/*
 * Helpers shared by the functional tests: real sign-ins through the API and
 * unique names, so tests never depend on each other's data.
 */
import type { ApiClient } from '@japa/api-client'

let counter = 0

/** A name no other test (or earlier run) uses. */
export function unique(prefix: string) {
  counter += 1
  const stamp = `${process.pid.toString(36)}${counter}${Date.now().toString(36).slice(-3)}`
  return `${prefix}_${stamp}`.slice(0, 32)
}

/**
 * Sign-in is rate limited per client address (10/min), and the tests' server
 * trusts X-Forwarded-For from 127.0.0.1 (bin/test.ts sets TRUSTED_PROXIES):
 * each helper sign-in comes from its own (IPv6 documentation range) address so
 * unrelated tests never share a budget.
 */
export function clientAddress() {
  counter += 1
  return `2001:db8::${process.pid.toString(16)}:${counter.toString(16)}`
}

export type SignedIn = {
  token: string
  user: { id: number; username: string; organizationId: number | null }
  auth: { authorization: string }
}

export async function signIn(client: ApiClient, username = unique('user')): Promise<SignedIn> {
  const response = await client
    .post('/v1/auth/guest-signin')
    .header('x-forwarded-for', clientAddress())
    .json({ username })
  response.assertStatus(201)
  const { token, user } = response.body()
  return { token, user, auth: { authorization: `Bearer ${token}` } }
}

/** A signed-in user who owns a fresh organization. */
export async function signInWithOrganization(client: ApiClient) {
  const signedIn = await signIn(client)
  const response = await client
    .post('/v1/organizations')
    .headers(signedIn.auth)
    .json({ name: unique('org') })
  response.assertStatus(201)
  return { ...signedIn, organization: response.body() as { id: number; name: string } }
}

/** The test server's base URL (bin/test.ts sets HOST and PORT). */
export function baseUrl() {
  return `http://${process.env.HOST}:${process.env.PORT}`
}

/** A request with a raw body exactly as given (the API client would re-encode it). */
export async function rawRequest(method: string, path: string, body: string, headers = {}) {
  const response = await fetch(`${baseUrl()}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    text: await response.text(),
  }
}
