-- RPUSH of one 64-byte element onto one of 100 lists: the route shape xadd.lua is compared with.
dofile("bench/wrk/common.lua")
local body = '{"items":["' .. value64 .. '"]}'
request = function()
  local key = "pushed" .. math.random(100)
  if system == "webdis" then return wrk.format("GET", "/RPUSH/" .. key .. "/" .. value64) end
  return wrk.format("POST", "/lists/" .. key .. "/right", json, body)
end
