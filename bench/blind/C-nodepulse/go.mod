module github.com/pulseops/nodepulse

go 1.22
