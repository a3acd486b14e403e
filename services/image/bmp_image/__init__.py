"""bmp-image: a read-only static file server for LiveOS kernels, initrds and GuestOS images."""
