-- Lodestone's script sandbox: run once per Lua state, with the host's raw functions (written in C#).
-- It builds the one globals table every script and function library runs in (read-only, as in
-- Redis 7), Redis's `redis` library, Lua 5.1 compatibility bits, and the hooks the host calls.
--
-- Errors never leave C#: a host function that fails returns nil and a message, and the Lua wrapper
-- here raises it. A Lua error unwinds only Lua and C frames, never managed ones.
local raw = ...

local type, error, tostring, select, rawget, rawset, setmetatable, getmetatable, pairs, ipairs =
    type, error, tostring, select, rawget, rawset, setmetatable, getmetatable, pairs, ipairs
local pcall, xpcall = pcall, xpcall
local getinfo, sethook = debug.getinfo, debug.sethook
local create = coroutine.create
local host_call, host_busy = raw.call, raw.busy

-- Errors redis.call (and the other redis.* functions) raise, and the one SCRIPT KILL raises: tables,
-- so that the reply keeps Redis's text; marked, so that pcall hands scripts the text as Redis does
-- and cannot catch a kill.
local CallError = {}
local Killed = {}

-- The line of the innermost script or function code on the stack, for "on @user_script:N.".
-- A script's `return redis.call(...)` is a tail call, which leaves no frame of the script: then
-- the line is the first one (Redis 5.1's C function keeps the frame; Lua 5.4's wrapper cannot).
local function script_line()
  for level = 2, 64 do
    local info = getinfo(level, "Sl")
    if not info then return 1 end
    if (info.source == "@user_script" or info.source == "@user_function") and info.currentline > 0 then
      return info.currentline
    end
  end
  return 1
end

local function raise(message)
  error(setmetatable({ err = message, line = script_line() }, CallError), 0)
end

-- Checks the instruction budget every so many instructions: the host answers others BUSY once the
-- script has run past busy-reply-threshold, and says whether SCRIPT KILL asked to stop it.
local budget = 100000
local hook
hook = function()
  if host_busy() then
    -- From now on every instruction raises again, so a pcall in a loop cannot swallow the kill.
    sethook(hook, "", 1)
    error(setmetatable({ err = "ERR Script killed by user with SCRIPT KILL...", line = script_line() }, Killed), 0)
  end
end
sethook(hook, "", budget)

local function readonly(target)
  return setmetatable({}, {
    __index = target,
    __newindex = function() error("Attempt to modify a readonly table", 2) end,
    __metatable = false,
  })
end

local function copy(source)
  local t = {}
  for k, v in pairs(source) do t[k] = v end
  return t
end

-- pcall and xpcall hand a script the text of a redis.call error (as Redis 7 does), and never catch a kill.
local function settle(ok, ...)
  if not ok then
    local e = ...
    local mt = getmetatable(e)
    if mt == Killed then error(e, 0) end
    if mt == CallError then return false, e.err end
  end
  return ok, ...
end

local G = {}
for _, name in ipairs({ "assert", "error", "ipairs", "next", "pairs", "rawequal", "rawget", "rawlen", "rawset",
  "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type", "collectgarbage", "_VERSION" }) do
  G[name] = _G[name]
end
G._G = G
G.pcall = function(f, ...) return settle(pcall(f, ...)) end
G.xpcall = function(f, handler, ...)
  return settle(xpcall(f, function(e)
    local mt = getmetatable(e)
    if mt == Killed then return e end
    if mt == CallError then e = e.err end
    return handler(e)
  end, ...))
end
G.unpack = table.unpack
G.gcinfo = function() return collectgarbage("count") end
-- Blocked, as the issue and Redis's sandbox intend: no code from strings at run time.
G.loadstring = function() return nil, "loadstring is not available" end

local tablelib = copy(table)
tablelib.getn = function(t) return #t end
tablelib.maxn = function(t)
  local n = 0
  for k in pairs(t) do if type(k) == "number" and k > n then n = k end end
  return n
end
local mathlib = copy(math)
mathlib.pow = function(x, y) return x ^ y end
mathlib.mod = math.fmod
mathlib.ldexp = function(m, e) return m * 2.0 ^ e end
mathlib.frexp = function(x)
  if x == 0 then return 0.0, 0 end
  local e = math.floor(math.log(math.abs(x), 2)) + 1
  return x / 2.0 ^ e, e
end
local coroutinelib = copy(coroutine)
-- A new coroutine gets the instruction budget hook too (hooks are per thread).
coroutinelib.create = function(f)
  local co = create(f)
  sethook(co, hook, "", budget)
  return co
end
coroutinelib.wrap = function(f)
  local co = coroutinelib.create(f)
  return function(...)
    local r = table.pack(coroutine.resume(co, ...))
    if not r[1] then error(r[2], 0) end
    return table.unpack(r, 2, r.n)
  end
end

G.string = readonly(string)
G.table = readonly(tablelib)
G.math = readonly(mathlib)
G.coroutine = readonly(coroutinelib)
-- The string metatable is shared by every script: nobody may change it.
getmetatable("").__metatable = false

-- Redis's bit library (LuaBitOp) over Lua 5.4's operators: 32-bit results, signed.
local function tobit(x)
  x = math.tointeger(x) or math.floor(x)
  x = x & 0xffffffff
  if x >= 0x80000000 then x = x - 0x100000000 end
  return x
end
local bit = {
  tobit = tobit,
  bnot = function(x) return tobit(~tobit(x)) end,
  band = function(x, ...) local r = tobit(x) for i = 1, select("#", ...) do r = r & tobit((select(i, ...))) end return tobit(r) end,
  bor = function(x, ...) local r = tobit(x) for i = 1, select("#", ...) do r = r | tobit((select(i, ...))) end return tobit(r) end,
  bxor = function(x, ...) local r = tobit(x) for i = 1, select("#", ...) do r = r ~ tobit((select(i, ...))) end return tobit(r) end,
  lshift = function(x, n) return tobit((tobit(x) & 0xffffffff) << (tobit(n) & 31)) end,
  rshift = function(x, n) return tobit((tobit(x) & 0xffffffff) >> (tobit(n) & 31)) end,
  arshift = function(x, n) return tobit(tobit(x) >> (tobit(n) & 31) | ((tobit(x) < 0 and (tobit(n) & 31) > 0) and (~0 << (32 - (tobit(n) & 31))) or 0)) end,
  rol = function(x, n) local u = tobit(x) & 0xffffffff n = tobit(n) & 31 return tobit((u << n) | (u >> (32 - n))) end,
  ror = function(x, n) local u = tobit(x) & 0xffffffff n = tobit(n) & 31 return tobit((u >> n) | (u << (32 - n))) end,
  bswap = function(x)
    local u = tobit(x) & 0xffffffff
    return tobit(((u & 0xff) << 24) | ((u & 0xff00) << 8) | ((u >> 8) & 0xff00) | (u >> 24))
  end,
  tohex = function(x, n)
    n = n or 8
    local upper = n < 0
    if upper then n = -n end
    local s = string.format(upper and "%08X" or "%08x", tobit(x) & 0xffffffff)
    return s:sub(-n)
  end,
}
G.bit = readonly(bit)

local function checked(r, e)
  if e then raise(e) end
  return r
end

local redis = {
  REDIS_VERSION = raw.version, REDIS_VERSION_NUM = raw.version_num,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
}
redis.call = function(...)
  local r, e = host_call(...)
  if e then raise(e) end
  return r
end
redis.pcall = function(...)
  local r, e = host_call(...)
  if e then return { err = e } end
  return r
end
redis.error_reply = function(message)
  if type(message) ~= "string" then raise("ERR wrong number or type of arguments") end
  if message:sub(1, 1) == "-" then message = message:sub(2) end
  if not message:find(" ", 1, true) then message = "ERR " .. message end
  return { err = message }
end
redis.status_reply = function(message)
  if type(message) ~= "string" then raise("ERR wrong number or type of arguments") end
  return { ok = message }
end
redis.sha1hex = function(...) return checked(raw.sha1hex(...)) end
redis.log = function(...) return checked(raw.log(...)) end
redis.setresp = function(...) return checked(raw.setresp(...)) end
redis.set_repl = function(...) return checked(raw.set_repl(...)) end
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.register_function = function(...) return checked(raw.register_function(...)) end
G.redis = readonly(redis)

G.cjson = readonly({
  encode = function(...) return checked(raw.json_encode(...)) end,
  decode = function(...) return checked(raw.json_decode(...)) end,
  null = raw.null,
  encode_keep_buffer = function() end,
  encode_max_depth = function() end,
  decode_max_depth = function() end,
  encode_number_precision = function() end,
  encode_sparse_array = function() end,
  encode_invalid_numbers = function() end,
  decode_invalid_numbers = function() end,
})
G.cmsgpack = readonly({
  pack = function(...) return checked(raw.msgpack_pack(...)) end,
  unpack = function(...)
    local values = checked(raw.msgpack_unpack(...))
    return table.unpack(values, 1, values.n)
  end,
})
G.struct = readonly({
  pack = function(fmt, ...) return string.pack(fmt, ...) end,
  unpack = function(fmt, s, pos) return string.unpack(fmt, s, pos) end,
  size = function(fmt) return string.packsize(fmt) end,
})

setmetatable(G, {
  __index = function(_, name)
    error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
  end,
  __newindex = function() error("Attempt to modify a readonly table", 2) end,
  __metatable = false,
})

-- What the host keeps: the globals, the message handler for a script's error, and the reset of the
-- instruction hook after a kill.
local function on_error(e)
  if type(e) == "table" and type(rawget(e, "err")) == "string" then
    if rawget(e, "line") == nil and getmetatable(e) == nil then rawset(e, "line", script_line()) end
    return e
  end
  return { err = "ERR " .. tostring(e), line = script_line() }
end

local function reset()
  sethook(hook, "", budget)
end

return G, on_error, reset
