-- The command endpoint's pipeline: PIPELINE (1, 10, 100…) INCRs of 100 counters per request.
dofile("bench/wrk/common.lua")
local size = tonumber(os.getenv("PIPELINE") or "10")
local commands = {}
for i = 1, size do
  commands[i] = '["INCR","p:' .. (i % 100) .. '"]'
end
local body = "[" .. table.concat(commands, ",") .. "]"
request = function() return wrk.format("POST", "/commands/pipeline", json, body) end
