module gomemfix.proof/gm005

go 1.22
