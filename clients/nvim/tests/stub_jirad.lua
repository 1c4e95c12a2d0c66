-- A stand-in `jirad serve --stdio` for the unit tests: `nvim --headless -l tests/stub_jirad.lua`.
-- Speaks LSP framing on stdin/stdout, keeps issues in memory, and reports what it received.
local issues = {
  ["DEMO-1"] = { key = "DEMO-1", id = "10001", summary = "First issue",
    description = "Some *text*.\n\nSecond paragraph.", status = { name = "To Do", category = "new" },
    type = "Task" },
}
local last = {}
local out = io.stdout

local function send(msg)
  local body = vim.json.encode(msg)
  out:write(("Content-Length: %d\r\n\r\n%s"):format(#body, body))
  out:flush()
end

local function reply(id, result, err)
  send({ jsonrpc = "2.0", id = id, result = err == nil and (result == nil and vim.NIL or result) or nil, error = err })
end

local handlers = {
  ["issues/get"] = function(p)
    return issues[p.key] or nil, not issues[p.key] and { code = -32001, message = "Issue does not exist", data = { kind = "notFound" } } or nil
  end,
  ["issues/list"] = function()
    local list = {}
    for _, i in pairs(issues) do list[#list + 1] = i end
    table.sort(list, function(a, b) return a.key < b.key end)
    return { issues = list, isLast = true }
  end,
  ["issues/update"] = function(p)
    local i = issues[p.key]
    if p.summary == "lossy" and not p.force then
      return nil, { code = -32010, message = "would drop a table", data = { kind = "lossyUpdate" } }
    end
    i.summary, i.description = p.summary or i.summary, p.description or i.description
    return vim.empty_dict()
  end,
  ["issues/create"] = function(p)
    local key = p.project .. "-" .. tostring(vim.tbl_count(issues) + 1)
    issues[key] = { key = key, id = key, summary = p.summary, description = "", status = { name = "To Do" } }
    return { key = key, id = "1", url = "http://127.0.0.1/browse/" .. key }
  end,
  ["issues/transitions"] = function()
    return { transitions = { { id = "21", name = "In Progress" }, { id = "31", name = "Done" } } }
  end,
  ["issues/transition"] = function(p)
    issues[p.key].status = { name = p.to }
    return vim.empty_dict()
  end,
  ["auth/login"] = function(p)
    send({ jsonrpc = "2.0", method = "auth/authorizationRequired",
           params = { profile = p.profile or "default", authorizationUrl = "http://127.0.0.1:1/authorize?from=notification" } })
    return { authorizationUrl = "http://127.0.0.1:1/authorize?state=x", expiresAt = 0 }
  end,
  ["issues/watch"] = function()
    send({ jsonrpc = "2.0", method = "issues/didChange",
           params = { watchId = "w1", added = {}, changed = { "DEMO-1" }, removed = {} } })
    return { watchId = "w1", issues = {} }
  end,
  ["test/last"] = function(p) return last[p.method] or vim.NIL end,
  ["slow"] = function() return nil, nil, true end, -- never answered
}

local pending_slow = {}
while true do
  local header = io.stdin:read("l")
  if not header then break end
  local len = tonumber(header:match("[Cc]ontent%-[Ll]ength:%s*(%d+)"))
  repeat local l = io.stdin:read("l") until l == nil or l == "\r" or l == ""
  local raw = io.stdin:read(len)
  local msg = vim.json.decode(raw)
  if msg.method == "$/cancelRequest" then
    if pending_slow[msg.params.id] then
      pending_slow[msg.params.id] = nil
      reply(msg.params.id, nil, { code = -32800, message = "cancelled" })
      send({ jsonrpc = "2.0", method = "test/cancelled", params = { id = msg.params.id } })
    end
  elseif msg.id ~= nil then
    last[msg.method] = { params = msg.params, raw = raw }
    local h = handlers[msg.method]
    if not h then
      reply(msg.id, nil, { code = -32601, message = "Method not found: " .. msg.method })
    else
      local result, err, later = h(msg.params or {})
      if later then pending_slow[msg.id] = true else reply(msg.id, result, err) end
    end
  end
end
