-- Lifecycle transitions that stay valid under load. args: FILE THREADS
-- FILE holds unfinished actions, "id version status" per line; each wrk thread
-- takes its own share, so no two requests ever race for one action. An action
-- that is open or in progress gets `submit-response`; one whose response is
-- submitted gets `return` (back to in progress). Each response gives the
-- action's new version and status, and the action goes back in the queue:
-- every request names the current version in If-Match and is a 200.
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local queue, head, tail = {}, 1, 0
local headers = {}

local function push(item)
  tail = tail + 1
  queue[tail] = item
end

function init(args)
  local threads = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    local id, version, status = line:match("^(%d+) (%d+) ([%a_]+)")
    if id then
      if n % threads == tid then push({ id = id, version = version, status = status }) end
      n = n + 1
    end
  end
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
end

function request()
  local item = queue[head]
  if item == nil then
    -- Every action of this thread is in flight (never with enough actions per connection).
    return wrk.format("GET", "/api/v1/no-action-free")
  end
  queue[head] = nil
  head = head + 1
  headers["If-Match"] = '"' .. item.version .. '"'
  if item.status == "response_submitted" then
    return wrk.format("POST", "/api/v1/actions/" .. item.id .. "/return", headers,
      '{"reason":"Not in the required format"}')
  end
  return wrk.format("POST", "/api/v1/actions/" .. item.id .. "/submit-response", headers,
    '{"response":"The figures were circulated to Members by email."}')
end

function response(status, hdrs, body)
  if status == 200 then
    local id = body:match('^{"id":(%d+)')
    local version = body:match('"version":(%d+)')
    local st = body:match('"status":"([%a_]+)"')
    if id and version and st then push({ id = id, version = version, status = st }) end
  end
end
