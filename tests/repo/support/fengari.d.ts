// fengari ships no types; tests/repo/support/lua.ts is its only user
declare module 'fengari' {
  const fengari: unknown
  export default fengari
}
