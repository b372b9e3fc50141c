module gomemfix.proof/gm002

go 1.22
