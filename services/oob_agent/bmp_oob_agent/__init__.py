"""oob-agent: reads each enrolled device's BMC event log (SEL) and FRU for oob-alert."""
