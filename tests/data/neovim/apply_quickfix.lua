-- Run by tests/it/neovim.rs in a headless Neovim set up with gomemfix.lua
-- (the README's snippet) on a file with a GM005 loop: waits for gomemfix's
-- diagnostic, applies its quick fix through Neovim's own LSP client (choosing
-- it from the code-action menu as a user would), writes the file and quits.
-- Any failure exits non-zero with a message on stderr.
local function fail(msg)
  io.stderr:write("neovim: " .. msg .. "\n")
  vim.cmd("cquit 3")
end

local function gm005()
  for _, d in ipairs(vim.diagnostic.get(0)) do
    if d.source == "gomemfix" and d.message:match("runtime%.GC%(%) in a loop") then
      return d
    end
  end
end

if not vim.wait(20000, function() return gm005() ~= nil end, 20) then
  fail("no GM005 diagnostic from gomemfix: " .. vim.inspect(vim.diagnostic.get(0)))
end
local d = gm005()
vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })

-- The code-action menu: pick GM005's quick fix, not the suppression.
local picked = false
vim.ui.select = function(items, _, on_choice)
  for _, item in ipairs(items) do
    local action = item[2]
    if action.kind == "quickfix" and action.title:match("^GM005: ")
        and not action.title:match("suppress") then
      picked = true
      return on_choice(item)
    end
  end
  fail("no GM005 quick fix among the code actions: " .. vim.inspect(items))
end
vim.lsp.buf.code_action()

if not vim.wait(20000, function() return picked and vim.bo.modified end, 20) then
  fail("the quick fix was not applied")
end
vim.cmd("write")
vim.cmd("qall!")
