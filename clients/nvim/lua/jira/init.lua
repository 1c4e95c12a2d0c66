--- jira.nvim: Jira in Neovim through the local jirad daemon.
--- require("jira").setup({ profile = "work" }) is optional; :Jira works without it.
local M = {}

local did_setup = false

function M.setup(opts)
  if opts or not did_setup then
    require("jira.config").setup(opts)
  end
  if not did_setup then
    did_setup = true
    local commands = require("jira.commands")
    require("jira.rpc").on("auth/authorizationRequired", commands.show_authorization)
  end
end

--- Setup with defaults unless the user already called setup().
function M.setup_once()
  if not did_setup then
    M.setup()
  end
end

--- Raw access for scripts: require("jira").request("issues/get", { key = "DEMO-1" }, cb).
function M.request(method, params, cb)
  return require("jira.rpc").request(method, params, cb)
end

return M
