module example.com/gomemfix/examples

go 1.22
