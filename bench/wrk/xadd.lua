-- XADD of one 64-byte field value (generated id) onto one of 100 streams, the same route shape as push.lua.
dofile("bench/wrk/common.lua")
local body = '{"fields":{"v":"' .. value64 .. '"}}'
request = function()
  local key = "events" .. math.random(100)
  if system == "webdis" then return wrk.format("GET", "/XADD/" .. key .. "/*/v/" .. value64) end
  return wrk.format("POST", "/streams/" .. key .. "/entries", json, body)
end
