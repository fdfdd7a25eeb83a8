-- POSTs to the URL's path. args: FILE MODE CONTENT_TYPE
--   MODE "lines": one body per line of FILE, rotating (e.g. a create per meeting)
--   MODE "whole": FILE is one body (e.g. 1 MB of minutes)
local bodies = {}
local i = 0
local headers = {}

function init(args)
  local file, mode, content_type = args[1], args[2], args[3]
  if mode == "whole" then
    local f = assert(io.open(file, "rb"))
    bodies[1] = f:read("*a")
    f:close()
  else
    for line in io.lines(file) do
      if #line > 0 then bodies[#bodies + 1] = line end
    end
  end
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = content_type
  i = math.random(#bodies)
end

function request()
  i = i % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[i])
end
