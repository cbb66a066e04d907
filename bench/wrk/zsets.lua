-- A leaderboard of 1,000 players: ZADD of a random score and a top-10 read (ZREVRANGE … WITHSCORES) in turn.
dofile("bench/wrk/common.lua")
request = function()
  n = n + 1
  local member = "player" .. math.random(1000)
  local score = math.random(1000000)
  if system == "webdis" then
    if n % 2 == 1 then return wrk.format("GET", "/ZADD/board/" .. score .. "/" .. member) end
    return wrk.format("GET", "/ZREVRANGE/board/0/9/WITHSCORES")
  end
  if n % 2 == 1 then
    return wrk.format("POST", "/zsets/board/members", json,
      '{"members":[{"member":"' .. member .. '","score":' .. score .. '}]}')
  end
  return wrk.format("GET", "/zsets/board/members?stop=9&reverse=true")
end
