--- :Jira sprint [BOARD] [active|backlog|ID]: a live board in a scratch buffer. The daemon's
--- sprints/watch answers the sprint now, each issue in its board column, and pushes
--- sprints/didChange as issues enter, leave, change or move column; the buffer redraws on each.
--- Wiping the buffer ends the watch (issues/unwatch).
local config = require("jira.config")
local errors = require("jira.errors")
local rpc = require("jira.rpc")

local M = {}

--- Open views by watch id: { buf, board, sprint, columns, issues (ordered) }.
local views = {}
local subscribed = false

local function text(v)
  if type(v) == "table" then
    return v.displayName or v.name or v.value
  end
  return v
end

--- The lines of a view (pure: the unit tests call it).
function M.render(view)
  local lines = {}
  local s = view.sprint
  if s then
    lines[#lines + 1] = ("# %s · %s · board %s"):format(s.name or ("sprint " .. tostring(s.id)), s.state or "?", view.board)
    if s.goal and s.goal ~= "" then
      lines[#lines + 1] = "Goal: " .. s.goal
    end
    if s.endDate then
      lines[#lines + 1] = "Ends: " .. s.endDate:sub(1, 10)
    end
  else
    lines[#lines + 1] = ("# Backlog · board %s"):format(view.board)
  end
  local by_column, order = {}, {}
  for _, c in ipairs(view.columns or {}) do
    by_column[c] = {}
    order[#order + 1] = c
  end
  local other = {}
  for _, issue in ipairs(view.issues) do
    local list = by_column[issue.column or ""] or other
    list[#list + 1] = issue
  end
  local function section(name, list)
    lines[#lines + 1] = ""
    lines[#lines + 1] = ("## %s (%d)"):format(name, #list)
    for _, i in ipairs(list) do
      local line = ("%s  %s"):format(i.key, i.summary or "")
      local who = text(i.assignee)
      if who then
        line = line .. "  @" .. who
      end
      lines[#lines + 1] = line
    end
  end
  for _, c in ipairs(order) do
    section(c, by_column[c])
  end
  if #other > 0 then
    section("No column", other)
  end
  return lines
end

--- Applies a sprints/didChange to a view's issues: entered and changed ones are put in (new ones
--- last), left ones taken out.
function M.apply(view, change)
  local at = {}
  for n, i in ipairs(view.issues) do
    at[i.key] = n
  end
  for _, list in ipairs({ change.entered or {}, change.changed or {} }) do
    for _, i in ipairs(list) do
      if at[i.key] then
        view.issues[at[i.key]] = i
      else
        view.issues[#view.issues + 1] = i
        at[i.key] = #view.issues
      end
    end
  end
  local gone = {}
  for _, i in ipairs(change.left or {}) do
    gone[i.key] = true
  end
  if next(gone) then
    view.issues = vim.tbl_filter(function(i) return not gone[i.key] end, view.issues)
  end
end

local function draw(view)
  if not vim.api.nvim_buf_is_valid(view.buf) then
    return
  end
  vim.bo[view.buf].modifiable = true
  vim.api.nvim_buf_set_lines(view.buf, 0, -1, false, M.render(view))
  vim.bo[view.buf].modifiable = false
  vim.bo[view.buf].modified = false
end

local function on_change(params)
  local view = views[params.watchId]
  if not view then
    return
  end
  M.apply(view, params)
  draw(view)
  for _, m in ipairs(params.moved or {}) do
    if m.fromColumn ~= m.toColumn then
      vim.notify(("jira: %s %s → %s"):format(m.key, m.fromColumn or "?", m.toColumn or "?"))
    end
  end
end

local function open_under_cursor()
  local key = vim.api.nvim_get_current_line():match("^(%u[%w_]*%-%d+)")
  if key then
    require("jira.buffer").open(key)
  end
end

--- Opens the live board; `which` is "active" (default), "backlog" or a sprint id.
function M.open(board, which)
  board = tonumber(board or config.options.board)
  if not board then
    return vim.notify("usage: :Jira sprint BOARD [active|backlog|SPRINT]", vim.log.levels.WARN)
  end
  local sprint = tonumber(which) or which or "active"
  if not subscribed then
    subscribed = true
    rpc.on("sprints/didChange", on_change)
  end
  local params = { boardId = board, sprint = sprint, intervalSeconds = config.options.sprint_interval }
  rpc.request("sprints/watch", params, function(err, result)
    if err then
      return vim.notify(errors.describe(err), vim.log.levels.ERROR)
    end
    local name = ("jira-sprint://%d/%s"):format(board, tostring(sprint))
    local buf = vim.fn.bufnr(name)
    if buf > 0 then
      vim.api.nvim_buf_delete(buf, { force = true }) -- its old watch ends with it
    end
    buf = vim.api.nvim_create_buf(true, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].filetype = "markdown"
    local view = { buf = buf, board = board, sprint = result.sprint, columns = result.columns, issues = result.issues or {} }
    views[result.watchId] = view
    vim.keymap.set("n", "<CR>", open_under_cursor, { buffer = buf, desc = "Open the issue" })
    vim.keymap.set("n", "q", "<cmd>bwipeout<cr>", { buffer = buf, desc = "Close the board" })
    vim.api.nvim_create_autocmd("BufWipeout", {
      buffer = buf,
      once = true,
      callback = function()
        views[result.watchId] = nil
        rpc.request("issues/unwatch", { watchId = result.watchId }, function() end)
      end,
    })
    vim.api.nvim_set_current_buf(buf)
    draw(view)
  end)
end

--- The open views, for tests and statuslines.
function M.views()
  return views
end

return M
