"""The driver: out-of-band actions of one IDC through its BMCs."""
