"""The dhcp-agent of one IDC: its host table and (issue 5) its DHCP server."""
