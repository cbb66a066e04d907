-- GET of an existing 64-byte value (bench/http.sh writes "bench64" first).
dofile("bench/wrk/common.lua")
local path = system == "webdis" and "/GET/bench64" or "/strings/bench64"
request = function() return wrk.format("GET", path) end
