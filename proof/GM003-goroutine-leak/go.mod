module gomemfix.proof/gm003

go 1.22
