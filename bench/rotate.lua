-- GETs that rotate over the paths in a file, one per line (wrk -s rotate.lua URL -- FILE).
-- wrk's -H headers (the bearer token) go with every request.
local paths = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  -- Threads start at different places so they do not fetch in lockstep.
  i = math.random(#paths)
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
