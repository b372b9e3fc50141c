module example.com/ingestgw

go 1.22
