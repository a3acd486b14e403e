# shellcheck shell=bash
# Shared by the LiveOS builders: the gateway's CA certificate that the LiveOS embeds at
# /etc/bmp/gateway-ca.pem. Source it; it defines a function only.

# bmp_gateway_ca: prints the path of BMP_LIVEOS_GATEWAY_CA after checking that it holds a
# certificate and no private key (the LiveOS is served to anyone on the provisioning network).
bmp_gateway_ca() {
  local ca="${BMP_LIVEOS_GATEWAY_CA:-}"
  if [ -z "$ca" ] || [ ! -s "$ca" ]; then
    echo "BMP_LIVEOS_GATEWAY_CA must name the agent gateway's CA certificate, e.g." \
      "var/data/tls/ca.pem (python -m bmp_scheduler.tls ensure makes it)" >&2
    return 1
  fi
  if grep -q "PRIVATE KEY" "$ca"; then
    echo "$ca holds a private key: give the CA certificate (ca.pem) only" >&2
    return 1
  fi
  if ! grep -q "BEGIN CERTIFICATE" "$ca"; then
    echo "$ca is not a PEM certificate" >&2
    return 1
  fi
  echo "$ca"
}
