-- Neovim 0.11's built-in LSP client against `jirad lsp` (run by run.sh): hover, completion,
-- diagnostics, inlay hints, and a TODO turned into an issue whose key the server inserts through
-- workspace/applyEdit. Prints one line per check; exits 1 when one fails.
local file = vim.fn.fnamemodify(assert(arg[1], 'usage: -l nvim_lsp.lua FILE'), ':p')
local fails = {}
local function check(name, ok, got)
  io.stdout:write((ok and 'ok   ' or 'FAIL ') .. name .. '  ' .. vim.inspect(got):gsub('\n%s*', ' '):sub(1, 160) .. '\n')
  if not ok then table.insert(fails, name) end
end
vim.cmd.edit(file)
local buf = vim.api.nvim_get_current_buf()
local id = assert(vim.lsp.start({ name = 'jirad', cmd = { os.getenv('JIRAD_BIN') or 'jirad', 'lsp', '--no-spawn' },
  root_dir = vim.fs.root(file, { '.git' }) }, { bufnr = buf }), 'spawn failed')
assert(vim.wait(5000, function() local c = vim.lsp.get_client_by_id(id); return c and c.initialized end))
local client = vim.lsp.get_client_by_id(id)
local enc = client.offset_encoding
check('position encoding', enc == 'utf-8' or enc == 'utf-16', enc)
local function req(method, params)
  local r = vim.lsp.buf_request_sync(buf, method, params, 5000); return r and r[id] and r[id].result
end
local function pos(row, col) -- row 1-based, col 0-based bytes
  vim.api.nvim_win_set_cursor(0, { row, col }); return vim.lsp.util.make_position_params(0, enc)
end
local line2 = vim.api.nvim_buf_get_lines(buf, 1, 2, false)[1]
local col = line2:find('DEMO-1', 1, true) - 1
local h = req('textDocument/hover', pos(2, col + 1))
check('hover', h and h.contents.value:find('Refactor audit log', 1, true), h and h.contents.value:match('^[^\n]*'))
local p = pos(3, 9); p.context = { triggerKind = 1 }
local items = (function(c) return c and (c.items or c) or {} end)(req('textDocument/completion', p))
check('completion', #items > 0 and items[1].label:match('^DEMO%-%d+$'), #items > 0 and (items[1].label .. ' ' .. items[1].detail .. ' (' .. #items .. ' items)'))
check('diagnostics', vim.wait(5000, function() return #vim.diagnostic.get(buf) > 0 end),
  vim.tbl_map(function(d) return d.message end, vim.diagnostic.get(buf)))
local d = vim.diagnostic.get(buf)[1]
check('diagnostic is a hint on DEMO-6 (byte columns)', d and d.severity == vim.diagnostic.severity.HINT
  and line2:sub(d.col + 1, d.end_col) == 'DEMO-6', d and { d.col, d.end_col })
vim.lsp.inlay_hint.enable(true, { bufnr = buf })
check('inlay hints', vim.wait(5000, function() return #vim.lsp.inlay_hint.get({ bufnr = buf }) > 0 end),
  vim.tbl_map(function(x) return x.inlay_hint.label end, vim.lsp.inlay_hint.get({ bufnr = buf })))
vim.api.nvim_win_set_cursor(0, { 4, 4 })
local rp = vim.lsp.util.make_range_params(0, enc)
rp.context = { diagnostics = {} }
local a = (req('textDocument/codeAction', rp) or {})[1]
check('code action offered', a and a.title:find('Create a Jira issue', 1, true), a and a.title)
if a and a.command then client:request_sync('workspace/executeCommand', a.command, 5000, buf) end
local done = vim.wait(5000, function() return vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1]:find('TODO(DEMO-', 1, true) end)
check('code action created the issue and inserted its key', done, vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1])
vim.cmd(#fails == 0 and 'qall!' or 'cquit 1')
