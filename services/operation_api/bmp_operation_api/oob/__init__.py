"""Out-of-band monitoring of the operator portal (upstream bmp-operation-web's /oob-alert
calls)."""
