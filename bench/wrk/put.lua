-- PUT of a 64-byte value under one of 100,000 random keys.
dofile("bench/wrk/common.lua")
local body = '{"value":"' .. value64 .. '"}'
request = function()
  local key = "k" .. math.random(100000)
  if system == "webdis" then
    return wrk.format("PUT", "/SET/" .. key, nil, value64)
  end
  return wrk.format("PUT", "/strings/" .. key, json, body)
end
