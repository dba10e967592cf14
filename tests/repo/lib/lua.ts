/*
 * Argo CD's resource customizations are Lua. This runs them in a real Lua VM (fengari, Lua 5.3;
 * Argo CD's gopher-lua is 5.1, and a health script uses only what both share): a syntax error fails
 * the parse, and a health script can be evaluated
 * against an object the way Argo CD passes it (`obj`).
 */
import fengari from 'fengari'

const { lua, lauxlib, lualib, to_luastring: toLuaString } = fengari as any

/** A Lua table constructor for a plain JSON value (ASCII strings). */
function luaValue(v: unknown): string {
  if (v === null || v === undefined) return 'nil'
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `{${v.map(luaValue).join(', ')}}`
  return `{${Object.entries(v as object)
    .map(([k, x]) => `[${JSON.stringify(k)}] = ${luaValue(x)}`)
    .join(', ')}}`
}

function newState() {
  const L = lauxlib.luaL_newstate()
  lualib.luaL_openlibs(L)
  return L
}

/** The parser's message when `code` is not valid Lua, else undefined. */
export function luaSyntaxError(code: string): string | undefined {
  const L = newState()
  return lauxlib.luaL_loadstring(L, toLuaString(code)) === lua.LUA_OK
    ? undefined
    : lua.lua_tojsstring(L, -1)
}

/**
 * Runs a health script with `obj` bound to the given object; returns its hs.status and hs.message.
 */
export function runHealthScript(
  script: string,
  obj: unknown
): { status: unknown; message: unknown } {
  const L = newState()
  const program =
    `obj = ${luaValue(obj)}\nlocal hs = (function()\n${script}\n` +
    'end)()\nreturn hs.status, hs.message'
  if (lauxlib.luaL_loadstring(L, toLuaString(program)) !== lua.LUA_OK)
    throw new Error(lua.lua_tojsstring(L, -1))
  if (lua.lua_pcall(L, 0, 2, 0) !== lua.LUA_OK) throw new Error(lua.lua_tojsstring(L, -1))
  const read = (i: number) => (lua.lua_isnil(L, i) ? undefined : lua.lua_tojsstring(L, i))
  return { status: read(-2), message: read(-1) }
}
