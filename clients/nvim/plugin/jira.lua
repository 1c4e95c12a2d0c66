-- :Jira and the jira:// buffers. Everything else loads on first use.
if vim.g.loaded_jira then
  return
end
vim.g.loaded_jira = true

if vim.fn.has("nvim-0.10") ~= 1 then
  vim.notify("jira.nvim needs Neovim 0.10+ (vim.lsp.rpc.connect to a Unix socket)", vim.log.levels.ERROR)
  return
end

vim.api.nvim_create_user_command("Jira", function(opts)
  require("jira").setup_once()
  require("jira.commands").run(opts)
end, {
  nargs = "*",
  desc = "Jira: list [jql] | open KEY | create | transition [KEY] [status] | sprint [BOARD] [active|backlog|ID] | login | complete URL | status",
  complete = function(arglead, cmdline)
    return require("jira.commands").complete_args(arglead, cmdline)
  end,
})

-- jira://KEY buffers: read with issues/get, :write sends issues/update.
local group = vim.api.nvim_create_augroup("jira_buffers", { clear = true })
vim.api.nvim_create_autocmd("BufReadCmd", {
  group = group,
  pattern = "jira://*",
  callback = function(ev)
    require("jira").setup_once()
    require("jira.buffer").read(ev.buf)
  end,
})
vim.api.nvim_create_autocmd("BufWriteCmd", {
  group = group,
  pattern = "jira://*",
  callback = function(ev)
    require("jira").setup_once()
    require("jira.buffer").write(ev.buf)
  end,
})
