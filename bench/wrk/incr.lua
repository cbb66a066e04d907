-- INCR of one hot counter.
dofile("bench/wrk/common.lua")
request = function()
  if system == "webdis" then
    return wrk.format("GET", "/INCR/counter")
  end
  return wrk.format("POST", "/strings/counter/incr")
end
