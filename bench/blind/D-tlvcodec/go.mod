module example.com/tlvcodec

go 1.22
