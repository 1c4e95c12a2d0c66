--- :Jira SUBCOMMAND [args]: list, open, create, transition, sprint, login, complete, status.
local buffer = require("jira.buffer")
local config = require("jira.config")
local errors = require("jira.errors")
local markdown = require("jira.markdown")
local rpc = require("jira.rpc")

local M = {}

local function fail(err)
  vim.notify(errors.describe(err), vim.log.levels.ERROR)
end

--- The issue key of the current jira:// buffer, if any.
local function current_key()
  return buffer.key_of(0)
end

--- Show an authorization link and open it in the browser. Deduplicated: an authRequired error and
--- the daemon's auth/authorizationRequired notification often announce the same link.
local shown = {}
function M.show_authorization(params, force)
  local url = type(params) == "table" and params.authorizationUrl or nil
  if not url or (shown[url] and not force) then
    return
  end
  shown[url] = true
  vim.notify(("Jira: authorize profile %s in your browser:\n%s"):format(params.profile or "?", url))
  if vim.fn.has("clipboard") == 1 then
    pcall(vim.fn.setreg, "+", url) -- also on the clipboard, for a browser on another machine
  end
  if config.options.open_browser and vim.ui.open then
    pcall(vim.ui.open, url)
  end
end

function M.list(jql)
  local params = { limit = config.options.list_limit }
  if jql and jql ~= "" then
    params.jql = jql
  end
  rpc.request("issues/list", params, function(err, page)
    if err then
      return fail(err)
    end
    local items = vim.tbl_map(markdown.qf_item, page.issues or {})
    vim.fn.setqflist({}, " ", { title = "Jira: " .. (jql or "my issues"), items = items })
    vim.cmd("botright copen")
    if page.isLast == false then
      vim.notify(("jira: showing the first %d issues"):format(#items))
    end
  end)
end

function M.open(key)
  key = key or current_key()
  if not key then
    return vim.notify("usage: :Jira open KEY", vim.log.levels.WARN)
  end
  buffer.open(key)
end

local function ask(prompt, default, cb)
  vim.ui.input({ prompt = prompt, default = default }, function(value)
    if value and value ~= "" then
      cb(value)
    end
  end)
end

--- :Jira create [PROJECT [TYPE [summary...]]]; what is missing is asked for.
function M.create(project, type, summary)
  if not project then
    return ask("Project: ", nil, function(p) M.create(p, type, summary) end)
  end
  if not type then
    return ask("Issue type: ", "Task", function(t) M.create(project, t, summary) end)
  end
  if not summary then
    return ask("Summary: ", nil, function(s) M.create(project, type, s) end)
  end
  rpc.request("issues/create", { project = project:upper(), type = type, summary = summary }, function(err, created)
    if err then
      return fail(err)
    end
    vim.notify(("jira: created %s %s"):format(created.key, created.url or ""))
    buffer.open(created.key)
  end)
end

local function do_transition(key, to)
  rpc.request("issues/transition", { key = key, to = to }, function(err)
    if err then
      return fail(err)
    end
    vim.notify(("jira: %s → %s"):format(key, to))
    local buf = vim.fn.bufnr("jira://" .. key)
    if buf > 0 and not vim.bo[buf].modified then
      buffer.read(buf)
    end
  end)
end

--- :Jira transition [KEY] [to...]; without a target, pick one from issues/transitions.
function M.transition(key, to)
  key = key or current_key()
  if not key then
    return vim.notify("usage: :Jira transition KEY [status]", vim.log.levels.WARN)
  end
  if to then
    return do_transition(key, to)
  end
  rpc.request("issues/transitions", { key = key }, function(err, result)
    if err then
      return fail(err)
    end
    local list = result.transitions or result
    vim.ui.select(list, {
      prompt = "Move " .. key .. " to: ",
      format_item = function(t)
        return t.to and t.to.name and t.name ~= t.to.name and (t.name .. " → " .. t.to.name) or t.name
      end,
    }, function(choice)
      if choice then
        do_transition(key, choice.name)
      end
    end)
  end)
end

function M.login(profile)
  rpc.request("auth/login", { profile = profile or config.options.profile }, function(err, result)
    if err then
      return fail(err)
    end
    M.show_authorization({ profile = profile or config.options.profile, authorizationUrl = result.authorizationUrl }, true)
  end)
end

--- :Jira complete URL: finish a login by pasting the URL the browser was redirected to.
function M.complete(url, profile)
  rpc.request("auth/complete", { redirectUrl = url, profile = profile or config.options.profile }, function(err)
    if err then
      return fail(err)
    end
    vim.notify("jira: logged in")
  end)
end

function M.status(profile)
  rpc.request("auth/status", { profile = profile or config.options.profile }, function(err, result)
    if err then
      return fail(err)
    end
    vim.notify("jira: " .. vim.inspect(result))
  end)
end

M.subcommands = {
  list = function(args) M.list(table.concat(args, " ")) end,
  open = function(args) M.open(args[1]) end,
  create = function(args)
    M.create(args[1], args[2], #args > 2 and table.concat(vim.list_slice(args, 3), " ") or nil)
  end,
  transition = function(args)
    local key, first = args[1], 2
    -- A key looks like ABC-123; otherwise the whole argument is the target status.
    if key and not key:match("^%a[%w_]*%-%d+$") then
      key, first = nil, 1
    end
    M.transition(key, #args >= first and table.concat(vim.list_slice(args, first), " ") or nil)
  end,
  sprint = function(args) require("jira.sprint").open(args[1], args[2]) end,
  login = function(args) M.login(args[1]) end,
  complete = function(args) M.complete(args[1], args[2]) end,
  status = function(args) M.status(args[1]) end,
}

--- Entry point of :Jira (receives the user-command `opts`).
function M.run(opts)
  local args = vim.split(vim.trim(opts.args or ""), "%s+", { trimempty = true })
  local name = table.remove(args, 1) or "list"
  local sub = M.subcommands[name]
  if not sub then
    return vim.notify("jira: unknown subcommand " .. name, vim.log.levels.ERROR)
  end
  sub(args)
end

function M.complete_args(arglead, cmdline)
  if cmdline:match("^%s*%S+%s+%S*$") then
    local names = vim.tbl_keys(M.subcommands)
    table.sort(names)
    return vim.tbl_filter(function(n) return vim.startswith(n, arglead) end, names)
  end
  return {}
end

return M
