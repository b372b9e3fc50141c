module gomemfix.proof/gm010

go 1.22
