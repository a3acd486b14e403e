"""bmp-monitor-proxy (port 8805): where the in-guest monitoring agents report.

Every agent request carries its instance's credential (``Authorization: Bearer``), checked
with openapi once and then cached until it is revoked (Redis) or the cache entry expires. The
agents' points go to the Pushgateway, one push per table and request; heartbeats and device
tags are kept in Redis for openapi's desrcibeAgentStatus and desrcibeTags.
"""
