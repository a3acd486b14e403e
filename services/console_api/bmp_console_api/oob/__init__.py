"""Out-of-band monitoring of the console (upstream bmp-console-web's /oob-alert calls)."""
