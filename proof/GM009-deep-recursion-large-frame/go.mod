module gomemfix.proof/gm009

go 1.22
