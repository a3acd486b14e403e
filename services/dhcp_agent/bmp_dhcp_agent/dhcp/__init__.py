"""The DHCP server of one IDC: codec, answer policy, socket loop, event record, RA answer."""
