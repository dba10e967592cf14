// fengari ships no types; tests/repo/lib/lua.ts is its only user
declare module 'fengari' {
  const fengari: unknown
  export default fengari
}
