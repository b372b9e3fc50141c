module github.com/halvard/tiercache

go 1.22
