module example.com/restkit

go 1.22
