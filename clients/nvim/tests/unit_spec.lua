-- Unit tests: pure pieces, and the plugin's commands against tests/stub_jirad.lua over stdio
-- (the spawn fallback), so they need no real daemon.
local h = require("helpers")
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
local stub = root .. "/tests/stub_jirad.lua"

local rpc = require("jira.rpc")
local errors = require("jira.errors")
local markdown = require("jira.markdown")
local messages

local spec = { tests = {} }
local function test(name, fn)
  table.insert(spec.tests, { name, fn })
end

function spec.setup()
  require("jira").setup({
    socket = vim.fn.tempname() .. ".sock", -- nothing listens: the stdio fallback is used
    cmd = { vim.v.progpath, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-l", stub },
    open_browser = false,
  })
  messages = h.capture_notify()
end

function spec.teardown()
  rpc.stop()
end

test("socket path: JIRAD_SOCKET, then XDG_RUNTIME_DIR, then a directory of the user's own", function()
  h.eq("/x/s", rpc.socket_path({ JIRAD_SOCKET = "/x/s", XDG_RUNTIME_DIR = "/run/u" }))
  h.eq("/run/u/jirad/jirad.sock", rpc.socket_path({ XDG_RUNTIME_DIR = "/run/u", HOME = "/h" }))
  h.eq("/h/.cache/jirad/jirad.sock", rpc.socket_path({ HOME = "/h" }, "Linux"))
  h.eq("/c/jirad/jirad.sock", rpc.socket_path({ HOME = "/h", XDG_CACHE_HOME = "/c" }, "Linux"))
  h.eq("/h/.cache/jirad/jirad.sock", rpc.socket_path({ HOME = "/h", TMPDIR = "/t" }, "Linux"))
  h.eq("/var/f/T/jirad/jirad.sock", rpc.socket_path({ HOME = "/h", TMPDIR = "/var/f/T/" }, "Darwin"))
  h.eq(("/tmp/jirad-%d/jirad.sock"):format(vim.uv.getuid()), rpc.socket_path({}))
end)

local function refused(path, pattern)
  local ok, err = pcall(rpc.check_socket_dir, path)
  h.eq(false, ok, "check of " .. path)
  h.match(err, pattern)
end

local function fresh_dir()
  local d = vim.fn.tempname()
  vim.fn.mkdir(d, "p", tonumber("700", 8))
  return d
end

test("a symlinked socket directory is refused, and the client does not connect", function()
  local d = fresh_dir()
  vim.fn.mkdir(d .. "/real", "p", tonumber("700", 8))
  vim.uv.fs_symlink(d .. "/real", d .. "/link")
  refused(d .. "/link/jirad.sock", "is a symbolic link")
  local config = require("jira.config")
  local saved = config.options.socket
  config.options.socket = d .. "/link/jirad.sock"
  rpc.stop()
  local ok, err = pcall(rpc.client)
  config.options.socket = saved
  h.eq(false, ok, "client() on a symlinked directory")
  h.match(err, "is a symbolic link")
end)

test("a socket directory others can write, or in a parent they can change, is refused", function()
  local d = fresh_dir()
  vim.uv.fs_chmod(d, tonumber("777", 8))
  refused(d .. "/jirad.sock", "writable by everyone %(mode 0777%)")
  vim.uv.fs_chmod(d, tonumber("770", 8))
  refused(d .. "/jirad.sock", "writable by its group")
  vim.uv.fs_chmod(d, tonumber("700", 8))
  h.eq(true, rpc.check_socket_dir(d .. "/jirad.sock"))
  vim.fn.mkdir(d .. "/jirad", "p", tonumber("700", 8))
  vim.uv.fs_chmod(d, tonumber("777", 8))
  refused(d .. "/jirad/jirad.sock", "another user can change")
  vim.uv.fs_chmod(d, tonumber("1777", 8))
  h.eq(true, rpc.check_socket_dir(d .. "/jirad/jirad.sock"))
  h.eq(false, rpc.check_socket_dir(d .. "/missing/jirad.sock"))
end)

if vim.uv.getuid() == 0 then
  test("a socket directory or socket of another user is refused (root)", function()
    local d = fresh_dir()
    vim.uv.fs_chown(d, 65534, 65534)
    refused(d .. "/jirad.sock", "belongs to uid 65534, not to you")
    local mine = fresh_dir()
    local sock = mine .. "/jirad.sock"
    local server = vim.uv.new_pipe(false)
    server:bind(sock)
    server:listen(1, function() end)
    h.eq(true, rpc.check_socket_dir(sock))
    rpc.check_socket(sock)
    vim.uv.fs_lchown(sock, 65534, 65534)
    local ok, err = pcall(rpc.check_socket, sock)
    h.eq(false, ok)
    h.match(err, "not your jirad")
    server:close()
  end)
end

test("errors are classified by data.kind, never by code", function()
  for _, kind in ipairs(errors.kinds) do
    h.eq(kind, errors.kind({ code = -32601, message = "m", data = { kind = kind } }))
  end
  h.eq("methodNotFound", errors.kind({ code = -32601, message = "m" }))
  h.eq("cancelled", errors.kind({ code = -32800, message = "m" }))
  h.match(errors.describe({ code = 1, message = "x", data = { kind = "authRequired", profile = "w",
    authorizationUrl = "http://127.0.0.1/a" } }), "http://127.0.0.1/a")
  h.match(errors.describe({ code = 1, message = "x", data = { kind = "invalidFields",
    errors = { summary = "required" } } }), "summary: required")
  h.match(errors.describe({ code = 1, message = "x", data = { kind = "rateLimited",
    retryAfterMs = 1500, reason = "jira-burst-based" } }), "1%.5 s")
end)

test("markdown: render then parse gives back summary and description", function()
  local issue = { key = "DEMO-9", summary = "Fix it", description = "Line 1\n\n- item", type = "Bug",
    status = { name = "To Do", category = "new" }, assignee = vim.NIL, fields = { customfield_1 = 3 } }
  local lines = markdown.render(issue)
  h.eq("# Fix it", lines[1])
  h.match(lines[2], "DEMO%-9 · Bug · To Do")
  h.eq(nil, lines[2]:find("assignee"))
  -- Jira's raw shape (fields.summary, fields.issuetype) renders the same way.
  local raw = markdown.render({ key = "DEMO-9", fields = { summary = "Fix it", issuetype = { name = "Bug" },
    status = { name = "To Do" }, assignee = { displayName = "Ann" } } })
  h.eq("# Fix it", raw[1])
  h.match(raw[2], "DEMO%-9 · Bug · To Do · assignee: Ann")
  h.eq({ summary = "Fix it", description = "Line 1\n\n- item" }, markdown.parse(lines))
  local none, why = markdown.parse({ "no title" })
  h.eq(nil, none)
  h.match(why, "title")
  h.eq({ summary = "T", description = "" }, markdown.parse({ "# T", "", "" }))
end)

test("requests without params send {} (not [])", function()
  local _, err = rpc.request_sync("daemon/status")
  h.eq("methodNotFound", err.kind) -- the stub does not implement it, but records nothing else
  local last = rpc.request_sync("test/last", { method = "issues/list" })
  h.eq(nil, last) -- null: nothing recorded yet
  rpc.request_sync("issues/list")
  last = rpc.request_sync("test/last", { method = "issues/list" })
  h.match(last.raw, '"params":{}')
  h.match(rpc.transport(), "^stdio ")
end)

test("errors from the wire carry their kind", function()
  local _, err = rpc.request_sync("issues/get", { key = "NOPE-1" })
  h.eq("notFound", err.kind)
  h.eq("Issue does not exist", err.message)
end)

test("notifications reach subscribers until they unsubscribe", function()
  local seen = {}
  local off = rpc.on("issues/didChange", function(p) table.insert(seen, p.watchId) end)
  rpc.request_sync("issues/watch", { jql = "project = DEMO" })
  h.wait(function() return #seen == 1 end, "issues/didChange")
  off()
  rpc.request_sync("issues/watch", { jql = "project = DEMO" })
  vim.wait(100)
  h.eq({ "w1" }, seen)
end)

test("cancel sends $/cancelRequest for that request", function()
  local cancelled
  local off = rpc.on("test/cancelled", function(p) cancelled = p.id end)
  local answered = false
  local id = rpc.request("slow", {}, function() answered = true end)
  rpc.cancel(id)
  h.wait(function() return cancelled ~= nil end, "the stub to see the cancel")
  off()
  h.eq(id, cancelled)
  h.eq(false, answered)
end)

test(":Jira list fills the quickfix list", function()
  vim.fn.setqflist({}, "f")
  vim.cmd("Jira list project = DEMO")
  h.wait(function() return #vim.fn.getqflist() > 0 end, "quickfix items")
  h.eq({ "DEMO-1 First issue [To Do]" }, h.qf_texts())
  h.eq("jira://DEMO-1", vim.fn.bufname(vim.fn.getqflist()[1].bufnr))
  h.match(vim.fn.getqflist({ title = 1 }).title, "project = DEMO")
end)

test(":Jira open shows Markdown; :write sends the edited summary and description", function()
  vim.cmd("Jira open DEMO-1")
  h.eq("jira://DEMO-1", vim.api.nvim_buf_get_name(0))
  h.eq("markdown", vim.bo.filetype)
  h.eq("acwrite", vim.bo.buftype)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  h.eq("# First issue", lines[1])
  h.eq({ "Some *text*.", "", "Second paragraph." }, vim.list_slice(lines, 4))
  vim.api.nvim_buf_set_lines(0, 0, 1, false, { "# Renamed issue" })
  vim.api.nvim_buf_set_lines(0, -1, -1, false, { "", "Added line." })
  vim.cmd("write")
  h.eq(false, vim.bo.modified)
  local sent = rpc.request_sync("test/last", { method = "issues/update" }).params
  h.eq({ key = "DEMO-1", summary = "Renamed issue",
         description = "Some *text*.\n\nSecond paragraph.\n\nAdded line." }, sent)
  h.truthy(h.find(messages, "DEMO%-1 saved"), "a saved message")
end)

test(":write asks before a lossy update and retries with force", function()
  vim.cmd("Jira open DEMO-1")
  vim.api.nvim_buf_set_lines(0, 0, 1, false, { "# lossy" })
  local asked
  local orig = vim.fn.confirm
  vim.fn.confirm = function(msg) asked = msg return 1 end
  vim.cmd("write")
  vim.fn.confirm = orig
  h.match(asked, "would drop a table")
  h.eq(false, vim.bo.modified)
  h.eq(true, rpc.request_sync("test/last", { method = "issues/update" }).params.force)
end)

test(":write of a buffer without a title is refused, nothing sent", function()
  vim.cmd("Jira open DEMO-1")
  local before = rpc.request_sync("test/last", { method = "issues/update" })
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "no title here" })
  vim.cmd("write")
  h.eq(true, vim.bo.modified)
  h.eq(before, rpc.request_sync("test/last", { method = "issues/update" }))
  h.truthy(h.find(messages, "not saved"), "a refusal")
end)

test(":Jira open of a missing issue reports notFound", function()
  vim.cmd("Jira open NOPE-1")
  h.truthy(h.find(messages, "Jira notFound: Issue does not exist"), "the error")
end)

test(":Jira create with arguments creates and opens the issue", function()
  vim.cmd("Jira create DEMO Task A new thing")
  h.wait(function() return vim.api.nvim_buf_get_name(0):match("^jira://DEMO%-%d+$") end, "the new buffer")
  h.eq("# A new thing", vim.api.nvim_buf_get_lines(0, 0, 1, false)[1])
  h.truthy(h.find(messages, "created DEMO%-%d+"), "a created message")
end)

test(":Jira create asks for what is missing", function()
  local answers = { "Bug", "Asked summary" }
  local orig = vim.ui.input
  vim.ui.input = function(_, cb) cb(table.remove(answers, 1)) end
  vim.cmd("Jira create DEMO")
  h.wait(function() return vim.api.nvim_buf_get_lines(0, 0, 1, false)[1] == "# Asked summary" end, "the new issue")
  vim.ui.input = orig
end)

test(":Jira transition picks from the transitions and reloads the buffer", function()
  vim.cmd("Jira open DEMO-1")
  local orig = vim.ui.select
  vim.ui.select = function(items, opts, cb)
    h.eq({ "In Progress", "Done" }, vim.tbl_map(opts.format_item, items))
    cb(items[2])
  end
  vim.cmd("Jira transition")
  h.wait(function() return (vim.api.nvim_buf_get_lines(0, 1, 2, false)[1] or ""):find("Done") end, "status Done")
  vim.ui.select = orig
  vim.cmd("Jira transition DEMO-1 In Progress")
  h.wait(function() return h.find(messages, "DEMO%-1 → In Progress") end, "the transition message")
end)

test(":Jira login shows the link once, and reacts to auth/authorizationRequired", function()
  vim.cmd("Jira login")
  h.wait(function() return h.find(messages, "state=x") end, "the login link")
  h.wait(function() return h.find(messages, "from=notification") end, "the notification's link")
  -- The same link again (say, an authRequired error after the notification) is not repeated.
  require("jira.commands").show_authorization({ profile = "p", authorizationUrl = "http://127.0.0.1:1/authorize?from=notification" })
  local count = 0
  for _, m in ipairs(messages) do
    if m.msg:find("from=notification", 1, true) then count = count + 1 end
  end
  h.eq(1, count)
end)

test("a live board draws its columns and applies entered, changed and left issues", function()
  local sprint = require("jira.sprint")
  local view = {
    board = 1,
    sprint = { id = 2, name = "DEMO Sprint 2", state = "active", goal = "Ship it", endDate = "2026-12-14T10:00:00.000Z" },
    columns = { "To Do", "In Progress", "Done" },
    issues = {
      { key = "D-1", summary = "one", column = "To Do", assignee = { displayName = "Alex" } },
      { key = "D-2", summary = "two", column = "Done" },
    },
  }
  h.eq({ "# DEMO Sprint 2 · active · board 1", "Goal: Ship it", "Ends: 2026-12-14", "",
    "## To Do (1)", "D-1  one  @Alex", "", "## In Progress (0)", "", "## Done (1)", "D-2  two" }, sprint.render(view))
  sprint.apply(view, {
    entered = { { key = "D-3", summary = "three", column = "To Do" } },
    changed = { { key = "D-1", summary = "one", column = "In Progress" } },
    left = { { key = "D-2" } },
  })
  h.eq({ "D-1", "D-3" }, vim.tbl_map(function(i) return i.key end, view.issues))
  local lines = sprint.render(view)
  h.eq({ "## To Do (1)", "D-3  three", "", "## In Progress (1)", "D-1  one" }, vim.list_slice(lines, 5, 9))
  h.eq("# Backlog · board 4", sprint.render({ board = 4, columns = {}, issues = {} })[1])
end)

test(":checkhealth jira reports the daemon", function()
  vim.cmd("checkhealth jira")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  h.match(text, "jira%.nvim")
  h.match(text, "Neovim 0%.")
  h.match(text, "nothing listens on")
end)

return spec
