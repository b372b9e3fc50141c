module gomemfix.proof/gm008

go 1.22
