-- gomemfix in Neovim's built-in LSP client (Neovim 0.7 and later): one
-- server for the session, attached to every Go buffer.
local gomemfix
vim.api.nvim_create_autocmd("FileType", {
  pattern = "go",
  callback = function(args)
    gomemfix = gomemfix or vim.lsp.start_client({
      name = "gomemfix",
      cmd = { "gomemfix", "server" },
      root_dir = vim.fn.getcwd(),
      -- gomemfix.toml keys; the project's gomemfix.toml wins over these.
      init_options = { confidence = "high" },
    })
    vim.lsp.buf_attach_client(args.buf, gomemfix)
  end,
})
