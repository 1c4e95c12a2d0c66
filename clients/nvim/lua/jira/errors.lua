--- Errors from the daemon: classified by data.kind (never by numeric code) into messages for people.
local M = {}

--- Standard JSON-RPC codes, used only when an error has no data.kind.
local by_code = {
  [-32700] = "parseError",
  [-32600] = "invalidRequest",
  [-32601] = "methodNotFound",
  [-32602] = "invalidParams",
  [-32603] = "internalError",
  [-32800] = "cancelled",
}

M.kinds = {
  "authRequired", "authFailed", "forbidden", "notFound", "invalidFields", "rateLimited",
  "upstreamUnavailable", "conflict", "siteAmbiguous", "configError", "upstreamRemoved", "lossyUpdate",
  "limitExceeded",
}

--- The kind of an error object: data.kind, else the name of its standard code, else "error".
function M.kind(err)
  if type(err) ~= "table" then
    return "error"
  end
  local data = type(err.data) == "table" and err.data or {}
  if type(data.kind) == "string" then
    return data.kind
  end
  return by_code[err.code] or "error"
end

--- One line for vim.notify.
function M.describe(err)
  if type(err) ~= "table" then
    return tostring(err)
  end
  local kind = M.kind(err)
  local data = type(err.data) == "table" and err.data or {}
  local msg = err.message or kind
  if kind == "authRequired" then
    return ("Jira: authorization needed for profile %s: open %s"):format(
      data.profile or "?", data.authorizationUrl or "(run :Jira login)")
  elseif kind == "invalidFields" then
    local parts = {}
    for field, text in pairs(type(data.errors) == "table" and data.errors or {}) do
      parts[#parts + 1] = field .. ": " .. tostring(text)
    end
    for _, text in ipairs(type(data.errorMessages) == "table" and data.errorMessages or {}) do
      parts[#parts + 1] = tostring(text)
    end
    table.sort(parts)
    return "Jira rejected the fields: " .. (#parts > 0 and table.concat(parts, "; ") or msg)
  elseif kind == "rateLimited" and data.retryAfterMs then
    return ("Jira is rate limiting (%s); retry in %.1f s"):format(data.reason or "busy", data.retryAfterMs / 1000)
  elseif kind == "siteAmbiguous" then
    return "Jira: several sites are reachable; choose one with auth/selectSite: " .. msg
  end
  return ("Jira %s: %s"):format(kind, msg)
end

return M
