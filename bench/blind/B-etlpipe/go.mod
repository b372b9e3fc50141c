module example.com/etlpipe

go 1.22
