-- Headless test runner: nvim --headless -u NONE -i NONE -n -l tests/run.lua tests/SPEC.lua...
-- Each spec returns { setup?, teardown?, tests = { {name, fn}, ... } }. Prints TAP-like lines and a
-- closing "N passed, N failed" line; exits non-zero on any failure.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
vim.opt.rtp:prepend(root)
vim.opt.swapfile = false
vim.cmd("runtime plugin/jira.lua")
package.path = root .. "/tests/?.lua;" .. package.path

local passed, failed = 0, 0
for _, file in ipairs(_G.arg) do
  local spec = dofile(file)
  local ok_setup, setup_err = pcall(spec.setup or function() end)
  for _, t in ipairs(spec.tests) do
    local ok, err
    if ok_setup then
      ok, err = xpcall(t[2], debug.traceback)
    else
      ok, err = false, "setup failed: " .. tostring(setup_err)
    end
    if ok then
      passed = passed + 1
      io.stdout:write(("ok - %s\n"):format(t[1]))
    else
      failed = failed + 1
      io.stdout:write(("not ok - %s\n  %s\n"):format(t[1], tostring(err):gsub("\n", "\n  ")))
    end
    -- Leave no window layout or buffer state to the next test.
    pcall(vim.cmd, "silent! only | silent! %bwipeout!")
  end
  pcall(spec.teardown or function() end)
end
io.stdout:write(("%d passed, %d failed\n"):format(passed, failed))
io.stdout:flush()
os.exit(failed == 0 and 0 or 1)
