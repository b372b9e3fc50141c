module example.com/logpack

go 1.22
