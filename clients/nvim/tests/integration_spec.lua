-- Integration: the plugin against the real `jirad serve` and `fake-jira`, started by
-- clients/testing/harness.py (JIRAD_BIN, FAKE_JIRA_BIN).
local h = require("helpers")
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
local repo = vim.fn.fnamemodify(root, ":h:h")
local rpc = require("jira.rpc")

local env, harness, messages
local spec = { tests = {} }
local function test(name, fn)
  table.insert(spec.tests, { name, fn })
end

function spec.setup()
  local out = ""
  harness = vim.system({ vim.env.PYTHON or "python3", repo .. "/clients/testing/harness.py" }, {
    stdin = true,
    stdout = function(_, data) out = out .. (data or "") end,
  })
  h.wait(function() return out:find("\n") ~= nil end, "the test harness", 60000)
  env = vim.json.decode(out:match("^[^\n]+"))
  assert(not env.error, env.error)
  require("jira").setup({ socket = env.socket, spawn = false, open_browser = false })
  messages = h.capture_notify()
end

function spec.teardown()
  rpc.stop()
  if harness then
    harness:write(nil) -- closing its stdin stops the daemon and the fake
    harness:wait(15000)
  end
end

local function create(summary)
  local created, err = rpc.request_sync("issues/create", { project = env.project, type = "Task", summary = summary })
  assert(not err, err and err.message)
  return created.key
end

local function summary_of(key)
  local issue = assert(rpc.request_sync("issues/get", { key = key, fresh = true }))
  return issue.summary or (issue.fields or {}).summary
end

test("every method the plugin calls is served (protocol/openrpc.json)", function()
  local doc = vim.json.decode(table.concat(vim.fn.readfile(repo .. "/protocol/openrpc.json"), "\n"))
  local served = {}
  for _, m in ipairs(doc.methods) do served[m.name] = true end
  for _, file in ipairs(vim.fn.globpath(root, "lua/jira/*.lua", false, true)) do
    for method in table.concat(vim.fn.readfile(file), "\n"):gmatch('request%w*%("([%w/.$]+)"') do
      h.truthy(served[method], method .. " (used in " .. vim.fn.fnamemodify(file, ":t") .. ") is served")
    end
  end
end)

test("the plugin knows every error kind in protocol/openrpc.json", function()
  local doc = vim.json.decode(table.concat(vim.fn.readfile(repo .. "/protocol/openrpc.json"), "\n"))
  local served = vim.tbl_map(function(k) return k.kind end, doc["x-error-kinds"])
  local ours = vim.deepcopy(require("jira.errors").kinds)
  table.sort(served)
  table.sort(ours)
  h.eq(served, ours, "error kinds")
end)

test("connects over the socket", function()
  local status, err = rpc.request_sync("daemon/status")
  h.eq(nil, err)
  h.truthy(status, "daemon/status")
  h.eq("socket " .. env.socket, rpc.transport())
end)

test(":Jira list puts matching issues in the quickfix list", function()
  local key = create("nvim list " .. vim.fn.rand())
  vim.fn.setqflist({}, "f")
  vim.cmd("Jira list project = " .. env.project .. " ORDER BY created DESC")
  h.wait(function() return #vim.fn.getqflist() > 0 end, "quickfix items")
  h.match(vim.fn.getqflist({ title = 1 }).title, "project = " .. env.project)
  local found = vim.tbl_filter(function(t) return vim.startswith(t, key .. " nvim list") end, h.qf_texts())
  h.eq(1, #found, "the new issue in " .. vim.inspect(h.qf_texts()))
end)

test(":Jira open and :write update the issue", function()
  local key = create("nvim edit me")
  vim.cmd("Jira open " .. key)
  h.eq("# nvim edit me", vim.api.nvim_buf_get_lines(0, 0, 1, false)[1])
  vim.api.nvim_buf_set_lines(0, 0, 1, false, { "# nvim edited" })
  vim.api.nvim_buf_set_lines(0, -1, -1, false, { "", "Written from **Neovim**." })
  vim.cmd("write")
  h.eq(false, vim.bo.modified, "buffer saved")
  h.eq("nvim edited", summary_of(key))
  vim.cmd("edit!") -- reload from the daemon
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  h.match(text, "Written from %*%*Neovim%*%*%.")
end)

test(":Jira create makes the issue and opens it", function()
  vim.cmd("Jira create " .. env.project .. " Task created from nvim")
  h.wait(function() return vim.api.nvim_buf_get_name(0):match("^jira://") end, "the new buffer")
  local key = vim.api.nvim_buf_get_name(0):match("^jira://(.+)$")
  h.eq("created from nvim", summary_of(key))
end)

test(":Jira transition moves the issue", function()
  local key = create("nvim transition")
  local ts = assert(rpc.request_sync("issues/transitions", { key = key }))
  local list = ts.transitions or ts
  local target = list[#list].name
  vim.cmd("Jira transition " .. key .. " " .. target)
  h.wait(function() return h.find(messages, vim.pesc(key) .. " → ") end, "the transition")
  h.eq(nil, h.find(messages, "Jira %a+:"), "no error")
end)

test("errors are shown by kind", function()
  vim.cmd("Jira open " .. env.project .. "-999999")
  h.truthy(h.find(messages, "Jira notFound"), "a notFound message")
end)

test(":Jira sprint shows the active sprint by column and updates when an issue moves in", function()
  require("jira.config").options.sprint_interval = 1 -- the daemon's floor applies
  vim.cmd("Jira sprint 1")
  local board = function() return vim.api.nvim_buf_get_lines(0, 0, -1, false) end
  h.wait(function() return vim.api.nvim_buf_get_name(0):find("jira%-sprint://1/active") ~= nil end, "the board buffer")
  h.match(board()[1], "^# DEMO Sprint 2 · active · board 1")
  local text = table.concat(board(), "\n")
  h.match(text, "\n## To Do %(%d+%)\n")
  h.match(text, "\n## In Progress %(%d+%)\n")
  h.match(text, "\nDEMO%-4  ")
  local key = create("nvim sprint " .. vim.fn.rand())
  local moved, err = rpc.request_sync("sprints/moveIssues", { sprintId = 2, issues = { key } })
  h.eq(nil, err)
  h.eq(1, moved.moved)
  -- The next poll brings it, in the To Do column (after that heading, before the next).
  h.wait(function()
    local lines, section = board(), nil
    for _, l in ipairs(lines) do
      section = l:match("^## (.-) %(") or section
      if vim.startswith(l, key .. "  nvim sprint") then
        return section == "To Do"
      end
    end
  end, key .. " on the board", 30000)
  vim.cmd("bwipeout")
end)

test(":checkhealth jira sees the daemon", function()
  vim.cmd("checkhealth jira")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  h.match(text, "daemon listening on")
  h.match(text, "daemon answers over socket")
end)

test(":Jira login shows the profile's authorization link", function()
  vim.cmd("Jira login oauth")
  h.wait(function() return h.find(messages, "authorize profile oauth") end, "the login link")
  h.match(h.find(messages, "authorize profile oauth").msg, vim.pesc(env.fake.url .. "/authorize"))
end)

test("falls back to jirad serve --stdio when nothing listens", function()
  rpc.stop()
  require("jira").setup({ socket = env.tmp .. "/none.sock", spawn = true, jirad = env.jirad,
    args = { "--config", env.config }, env = env.env, open_browser = false })
  local me, err = rpc.request_sync("users/me")
  h.eq(nil, err)
  h.truthy(me, "users/me")
  h.match(rpc.transport(), "^stdio ")
  rpc.stop()
  require("jira").setup({ socket = env.socket, spawn = false, open_browser = false })
end)

return spec
