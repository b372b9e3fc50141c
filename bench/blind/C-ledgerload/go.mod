module example.com/fin/ledgerload

go 1.22
