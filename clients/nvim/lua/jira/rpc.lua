--- The one connection to jirad: the daemon's socket through vim.lsp.rpc.connect, or, when
--- nothing listens there, a private `jirad serve --stdio` through vim.lsp.rpc.start.
local config = require("jira.config")
local errors = require("jira.errors")

local M = {}

local state = { client = nil, transport = nil, handlers = {} }

--- The socket path exactly as the daemon computes it.
function M.socket_path(env)
  env = env or vim.env
  if env.JIRAD_SOCKET and env.JIRAD_SOCKET ~= "" then
    return env.JIRAD_SOCKET
  end
  if env.XDG_RUNTIME_DIR and env.XDG_RUNTIME_DIR ~= "" then
    return env.XDG_RUNTIME_DIR .. "/jirad/jirad.sock"
  end
  return ("/tmp/jirad-%d/jirad.sock"):format(vim.uv.getuid())
end

function M.jirad_bin()
  return config.options.jirad or vim.env.JIRAD_BIN or "jirad"
end

--- The command of the stdio fallback.
function M.stdio_cmd()
  local o = config.options
  if o.cmd then
    return o.cmd
  end
  return vim.list_extend({ M.jirad_bin(), "serve", "--stdio" }, o.args or {})
end

--- Whether something accepts connections on `path` (waits at most a second).
function M.listening(path)
  local pipe = vim.uv.new_pipe(false)
  local done, ok = false, false
  pipe:connect(path, function(err)
    ok, done = err == nil, true
  end)
  vim.wait(1000, function()
    return done
  end, 5)
  if not pipe:is_closing() then
    pipe:close()
  end
  return ok
end

function M.dispatch(method, params)
  for _, fn in ipairs(state.handlers[method] or {}) do
    local ok, err = pcall(fn, params)
    if not ok then
      vim.notify(("jira: %s handler failed: %s"):format(method, err), vim.log.levels.ERROR)
    end
  end
end

--- Subscribe to a server notification; returns a function that unsubscribes.
function M.on(method, fn)
  state.handlers[method] = state.handlers[method] or {}
  table.insert(state.handlers[method], fn)
  return function()
    for i, f in ipairs(state.handlers[method] or {}) do
      if f == fn then
        table.remove(state.handlers[method], i)
        return
      end
    end
  end
end

local function dispatchers()
  return {
    notification = M.dispatch,
    on_exit = function()
      state.client, state.transport = nil, nil
    end,
  }
end

--- The live client, connecting (or spawning) on first use. Raises when no daemon can be had.
function M.client()
  if state.client and not state.client.is_closing() then
    return state.client
  end
  local o = config.options
  local path = o.socket or M.socket_path()
  if M.listening(path) then
    state.client = vim.lsp.rpc.connect(path)(dispatchers())
    state.transport = "socket " .. path
  elseif o.spawn then
    local cmd = M.stdio_cmd()
    if vim.fn.executable(cmd[1]) ~= 1 then
      error(("jira: no daemon on %s and %s is not executable"):format(path, cmd[1]), 0)
    end
    state.client = vim.lsp.rpc.start(cmd, dispatchers(), { env = o.env })
    state.transport = "stdio " .. cmd[1]
  else
    error("jira: no daemon listening on " .. path, 0)
  end
  -- Name ourselves and pick the profile; scripts may skip this, editors should not.
  local version = vim.version()
  state.client.request("initialize", {
    clientInfo = { name = "jira.nvim", version = ("%d.%d.%d"):format(version.major, version.minor, version.patch) },
    profile = o.profile,
  }, function() end)
  return state.client
end

--- How we reach the daemon ("socket PATH", "stdio CMD"), or nil when not connected.
function M.transport()
  return state.transport
end

--- An empty Lua table would be sent as [] (clients-security.md §1.a): send {} instead.
local function encode_params(params)
  if params == nil or next(params) == nil then
    return vim.empty_dict()
  end
  return params
end

--- Send a request; cb(err, result) runs on the main loop. err carries .kind (data.kind).
--- Returns the request id, usable with M.cancel.
function M.request(method, params, cb)
  local ok, client = pcall(M.client)
  if not ok then
    vim.schedule(function()
      cb({ code = -32603, message = client, kind = "noDaemon" }, nil)
    end)
    return nil
  end
  local sent, id = client.request(method, encode_params(params), function(err, result)
    if err then
      err = { code = err.code, message = err.message, data = err.data, kind = errors.kind(err) }
      if err.kind == "authRequired" then
        M.dispatch("auth/authorizationRequired", err.data)
      end
    end
    cb(err, result)
  end)
  return sent and id or nil
end

--- Tell the daemon to stop working on request `id` ($/cancelRequest); its callback never runs.
function M.cancel(id)
  if state.client and id then
    state.client.notify("$/cancelRequest", { id = id })
  end
end

--- Block until the answer (for BufReadCmd/BufWriteCmd and tests): returns result, err.
function M.request_sync(method, params, timeout_ms)
  local done, res, e = false, nil, nil
  local id = M.request(method, params, function(err, result)
    done, res, e = true, result, err
  end)
  if not vim.wait(timeout_ms or config.options.timeout_ms, function()
    return done
  end, 10) then
    M.cancel(id)
    return nil, { code = -32800, message = method .. " timed out", kind = "timeout" }
  end
  return res, e
end

function M.stop()
  if state.client then
    state.client.terminate()
  end
  state.client, state.transport = nil, nil
end

return M
