module example.com/snapkit

go 1.22
