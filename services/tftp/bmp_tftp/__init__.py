"""bmp-tftp: the boot programs (iPXE) over TFTP, read-only, with fbtftp."""
