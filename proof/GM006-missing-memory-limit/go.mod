module gomemfix.proof/gm006

go 1.22
