--- Options of the plugin, set with require("jira").setup({...}).
local M = {}

M.defaults = {
  --- Daemon socket; nil: $JIRAD_SOCKET, else $XDG_RUNTIME_DIR/jirad/jirad.sock, else /tmp/jirad-$UID/jirad.sock.
  socket = nil,
  --- jirad executable; nil: $JIRAD_BIN, else "jirad" on PATH.
  jirad = nil,
  --- Extra arguments for a spawned `jirad serve --stdio` (e.g. { "--config", path }).
  args = {},
  --- Full command for the stdio fallback; nil: { jirad, "serve", "--stdio", unpack(args) }.
  cmd = nil,
  --- Extra environment for the spawned daemon.
  env = nil,
  --- Start `jirad serve --stdio` when no daemon listens on the socket.
  spawn = true,
  --- Profile to use (nil: the daemon's default).
  profile = nil,
  --- Open authorization links in the browser (vim.ui.open) as well as showing them.
  open_browser = true,
  --- How many issues :Jira list shows.
  list_limit = 200,
  --- Board of :Jira sprint when none is given.
  board = nil,
  --- Seconds between refreshes of a :Jira sprint board (the daemon's floor applies).
  sprint_interval = 30,
  --- Milliseconds to wait on the daemon where Neovim must block (reading and writing buffers).
  timeout_ms = 15000,
}

M.options = vim.deepcopy(M.defaults)

function M.setup(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  return M.options
end

return M
