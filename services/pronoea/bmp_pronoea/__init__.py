"""bmp-pronoea (port 9999): BMP's monitor rules as Prometheus rule files, chart queries, and
Alertmanager's alerts (firing and resolved) back to openapi's addAlert."""
