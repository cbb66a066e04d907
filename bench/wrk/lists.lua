-- A queue: LPUSH and RPOP in turn.
dofile("bench/wrk/common.lua")
local body = '{"items":["' .. value64 .. '"]}'
request = function()
  n = n + 1
  if system == "webdis" then
    if n % 2 == 1 then return wrk.format("GET", "/LPUSH/queue/" .. value64) end
    return wrk.format("GET", "/RPOP/queue")
  end
  if n % 2 == 1 then return wrk.format("POST", "/lists/queue/left", json, body) end
  return wrk.format("POST", "/lists/queue/right/pop")
end
