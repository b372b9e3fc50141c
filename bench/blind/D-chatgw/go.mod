module example.com/chatgw

go 1.22
