module gomemfix.proof/gm001

go 1.22
