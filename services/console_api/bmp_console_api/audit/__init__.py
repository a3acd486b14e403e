"""audit routes of the console (upstream bmp-console-api): an instance's operation log."""
