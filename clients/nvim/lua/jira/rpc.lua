--- The one connection to jirad: the daemon's socket through vim.lsp.rpc.connect, or, when
--- nothing listens there, a private `jirad serve --stdio` through vim.lsp.rpc.start.
local config = require("jira.config")
local errors = require("jira.errors")

local M = {}

local state = { client = nil, transport = nil, handlers = {} }

local function set(v)
  return v ~= nil and v ~= ""
end

--- The socket path exactly as the daemon computes it: $JIRAD_SOCKET, else
--- $XDG_RUNTIME_DIR/jirad/jirad.sock; without XDG_RUNTIME_DIR a directory other users cannot
--- create first ($TMPDIR/jirad/ on macOS, else $XDG_CACHE_HOME/jirad/, else ~/.cache/jirad/);
--- /tmp/jirad-$UID/ only without HOME.
function M.socket_path(env, sysname)
  env = env or vim.env
  sysname = sysname or vim.uv.os_uname().sysname
  if set(env.JIRAD_SOCKET) then
    return env.JIRAD_SOCKET
  end
  local base
  if set(env.XDG_RUNTIME_DIR) then
    base = env.XDG_RUNTIME_DIR .. "/jirad"
  elseif sysname == "Darwin" and set(env.TMPDIR) then
    base = env.TMPDIR:gsub("/+$", "") .. "/jirad"
  elseif set(env.XDG_CACHE_HOME) then
    base = env.XDG_CACHE_HOME .. "/jirad"
  elseif set(env.HOME) then
    base = env.HOME .. "/.cache/jirad"
  else
    base = ("/tmp/jirad-%d"):format(vim.uv.getuid())
  end
  return base .. "/jirad.sock"
end

--- Checks the rendezvous before connecting: the socket's directory must not be a symlink, must
--- be owned by this user and writable by nobody else, inside a parent nobody else can swap it out
--- of. Returns false when the directory does not exist, true when safe; raises (with what is
--- wrong and how to fix it) otherwise. libuv offers no peer credentials (SO_PEERCRED), so after
--- connecting only the socket file's owner is checked (M.check_socket).
function M.check_socket_dir(path)
  local dir = vim.fs.dirname(path)
  local st = vim.uv.fs_lstat(dir)
  if not st then
    return false
  end
  if st.type == "link" then
    error(("jira: the socket directory %s is a symbolic link (to %s): jirad never follows one there, "
      .. "since whoever controls the link can swap it later. Remove the link and let jirad create "
      .. "the directory, or use the real directory's path"):format(dir, vim.uv.fs_readlink(dir) or "?"), 0)
  end
  if st.type ~= "directory" then
    error(("jira: %s is not a directory; remove it or pick another socket path"):format(dir), 0)
  end
  local me = vim.uv.getuid()
  if st.uid ~= me then
    error(("jira: the socket directory %s belongs to uid %d, not to you (uid %d): another user may be "
      .. "posing as jirad there. Remove it (ask an administrator if you cannot) or use a directory "
      .. "of your own (JIRAD_SOCKET, or set XDG_RUNTIME_DIR)"):format(dir, st.uid, me), 0)
  end
  local mode = bit.band(st.mode, 4095) -- 0o7777
  if bit.band(mode, 18) ~= 0 then -- 0o022
    error(("jira: the socket directory %s is writable by %s (mode %04o): another user could replace "
      .. "the socket. Run `chmod 700 %s` or use a directory only you can write"):format(
      dir, bit.band(mode, 2) ~= 0 and "everyone" or "its group", mode, dir), 0)
  end
  local parent = vim.uv.fs_stat(dir .. "/..")
  if parent then
    local pmode = bit.band(parent.mode, 4095)
    if (parent.uid ~= me and parent.uid ~= 0) or (bit.band(pmode, 18) ~= 0 and bit.band(pmode, 512) == 0) then
      error(("jira: the socket directory %s is inside a directory that another user can change (owner "
        .. "uid %d, mode %04o): they could swap the socket directory for their own. Use a socket path "
        .. "under a directory only you (or root) can write"):format(dir, parent.uid, pmode), 0)
    end
  end
  return true
end

--- After connecting: the socket file must be a socket owned by this user. Raises otherwise.
function M.check_socket(path)
  local st = vim.uv.fs_lstat(path)
  local me = vim.uv.getuid()
  if not st or st.type ~= "socket" or st.uid ~= me then
    error(("jira: %s is not a socket of yours (uid %d): it is not your jirad, and nothing was sent "
      .. "to it. Remove it or use another socket path"):format(path, me), 0)
  end
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
  if M.check_socket_dir(path) and M.listening(path) then
    M.check_socket(path)
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
