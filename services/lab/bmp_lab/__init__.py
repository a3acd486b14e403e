"""The lab: virtual servers with real IPMI BMCs, and a simulated LiveOS agent."""
