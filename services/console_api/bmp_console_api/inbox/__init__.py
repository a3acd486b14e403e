"""inbox routes of the console (upstream bmp-console-api)."""
