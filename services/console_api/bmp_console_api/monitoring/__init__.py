"""in-band monitoring routes of the console (upstream bmp-console-api)."""
