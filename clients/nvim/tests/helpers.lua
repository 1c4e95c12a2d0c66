-- Small assertions and capture helpers for the specs.
local M = {}

function M.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(("%s: expected %s, got %s"):format(what or "value", vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function M.truthy(v, what)
  if not v then
    error((what or "condition") .. " was false", 2)
  end
end

function M.match(s, pattern, what)
  if type(s) ~= "string" or not s:find(pattern) then
    error(("%s: %s does not match %s"):format(what or "string", vim.inspect(s), pattern), 2)
  end
end

--- Wait for pred() to be truthy (processing callbacks meanwhile), or fail.
function M.wait(pred, what, ms)
  if not vim.wait(ms or 10000, pred, 10) then
    error("timed out waiting for " .. (what or "condition"), 2)
  end
end

--- Record vim.notify messages (the user-visible output of :Jira commands).
function M.capture_notify()
  local messages = {}
  vim.notify = function(msg, level)
    messages[#messages + 1] = { msg = msg, level = level or vim.log.levels.INFO }
  end
  return messages
end

function M.find(messages, pattern)
  for _, m in ipairs(messages) do
    if m.msg:find(pattern) then
      return m
    end
  end
end

function M.qf_texts()
  return vim.tbl_map(function(i) return i.text end, vim.fn.getqflist())
end

return M
