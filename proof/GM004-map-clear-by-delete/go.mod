module gomemfix.proof/gm004

go 1.22
