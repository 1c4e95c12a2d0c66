--- jira://KEY buffers: read with issues/get, written back with issues/update.
local errors = require("jira.errors")
local markdown = require("jira.markdown")
local rpc = require("jira.rpc")

local M = {}

local function key_of(buf)
  return vim.api.nvim_buf_get_name(buf):match("^jira://(.+)$")
end

local function fail(err)
  vim.notify(errors.describe(err), vim.log.levels.ERROR)
end

--- BufReadCmd: fill the buffer from the daemon.
function M.read(buf)
  local key = key_of(buf)
  local issue, err = rpc.request_sync("issues/get", { key = key, fresh = true }) -- description: Markdown by default
  if err then
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "# " .. key, "<!-- " .. errors.describe(err) .. " -->" })
    vim.bo[buf].modified = false
    return fail(err)
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, markdown.render(issue))
  vim.bo[buf].buftype = "acwrite" -- :w goes through BufWriteCmd, never to a file
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = "markdown"
  vim.bo[buf].modified = false
end

--- BufWriteCmd: send the edited summary and description.
function M.write(buf)
  local key = key_of(buf)
  local edit, perr = markdown.parse(vim.api.nvim_buf_get_lines(buf, 0, -1, false))
  if not edit then
    return vim.notify("jira: not saved: " .. perr, vim.log.levels.ERROR)
  end
  local params = { key = key, summary = edit.summary, description = edit.description }
  local _, err = rpc.request_sync("issues/update", params)
  if err and err.kind == "lossyUpdate" then
    -- The daemon refuses to drop formatting silently; let the person decide.
    local choice = vim.fn.confirm(errors.describe(err) .. "\nSave anyway?", "&Save\n&Cancel", 2)
    if choice ~= 1 then
      return
    end
    params.force = true
    _, err = rpc.request_sync("issues/update", params)
  end
  if err then
    return fail(err)
  end
  vim.bo[buf].modified = false
  vim.notify(("jira: %s saved"):format(key))
end

--- Open KEY in a buffer (reloading it if already open).
function M.open(key)
  vim.cmd.edit({ args = { "jira://" .. key:upper() }, bang = false })
end

M.key_of = key_of

return M
