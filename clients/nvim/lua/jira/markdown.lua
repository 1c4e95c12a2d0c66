--- The jira://KEY buffer format: a Markdown title (the summary), one comment line of read-only
--- facts, and the description. Pure functions, so they are tested without a daemon.
local M = {}

--- The daemon's normalized issue lifts common fields to the top (`type` for the issue type);
--- Jira's raw shape keeps them under `fields`. Accept both.
local function field(issue, name)
  local v = issue[name]
  if v == nil and type(issue.fields) == "table" then
    v = issue.fields[name == "type" and "issuetype" or name]
  end
  if v == vim.NIL then
    return nil
  end
  return v
end

local function name_of(v)
  if type(v) == "table" then
    return v.displayName or v.name or v.key or v.value
  end
  return v
end

--- Lines for an issue as returned by issues/get (Jira's shape, description as Markdown).
function M.render(issue)
  local summary = field(issue, "summary") or ""
  local facts = { issue.key }
  for _, name in ipairs({ "type", "status", "priority", "assignee" }) do
    local v = name_of(field(issue, name))
    if v then
      facts[#facts + 1] = (name == "assignee" and "assignee: " or "") .. tostring(v)
    end
  end
  local lines = {
    "# " .. summary:gsub("\n", " "),
    "<!-- " .. table.concat(facts, " · ") .. " · edit the title and the text below, :w saves -->",
    "",
  }
  local description = field(issue, "description")
  if type(description) == "string" then
    vim.list_extend(lines, vim.split(description, "\n", { plain = true }))
  elseif description ~= nil then
    -- Not Markdown (ADF from an older daemon): show it rather than lose it silently.
    vim.list_extend(lines, vim.split(vim.inspect(description), "\n", { plain = true }))
  end
  return lines
end

--- Parse buffer lines back into { summary, description }, or nil and a message.
function M.parse(lines)
  local summary = (lines[1] or ""):match("^#%s+(.-)%s*$")
  if not summary or summary == "" then
    return nil, "the first line must be the title: '# Summary'"
  end
  local i = 2
  if (lines[i] or ""):match("^<!%-%-.*%-%->%s*$") then
    i = i + 1
  end
  while lines[i] and lines[i]:match("^%s*$") do
    i = i + 1
  end
  local last = #lines
  while last >= i and lines[last]:match("^%s*$") do
    last = last - 1
  end
  return { summary = summary, description = table.concat(vim.list_slice(lines, i, last), "\n") }
end

--- A quickfix item for an issue from issues/list.
function M.qf_item(issue)
  local status = name_of(field(issue, "status"))
  return {
    filename = "jira://" .. issue.key,
    lnum = 1,
    text = ("%s %s%s"):format(issue.key, field(issue, "summary") or "", status and (" [" .. status .. "]") or ""),
  }
end

return M
