#!/bin/sh
# bmp-post URL CAFILE < BODY: POSTs the JSON BODY to an https URL with `openssl s_client`
# (busybox's wget does not verify certificates). The handshake must verify before anything is
# sent: the gateway's certificate chains to CAFILE and names the URL's host or IP.
# Prints the answer's body. Exit 0: HTTP 2xx; 1: another HTTP status (on stderr); 2: no TLS
# connection to a verified gateway (the reason on stderr; nothing was sent).
url="$1"
ca="$2"
rest="${url#https://}"
[ "$rest" != "$url" ] || { echo "bmp-post: $url is not an https URL" >&2; exit 2; }
hostport="${rest%%/*}"
path="/${rest#*/}"
[ "$rest" = "$hostport" ] && path=/
host="${hostport%:*}"
[ "$host" = "$hostport" ] && hostport="$host:443"
case "$host" in
  *[!0-9.]*) check="-verify_hostname $host -servername $host" ;;
  *) check="-verify_ip $host" ;;
esac
body="$(cat)"
errors="/tmp/bmp-post.$$"
# shellcheck disable=SC2086  # $check is two or four words
answer="$(printf 'POST %s HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' \
  "$path" "$hostport" "${#body}" "$body" |
  timeout 15 openssl s_client -quiet -connect "$hostport" -CAfile "$ca" \
    -verify_return_error $check 2>"$errors")"
ended=$?
status="$(printf '%s\n' "$answer" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')"
if [ -z "$status" ]; then
  reason="$(grep -m 1 -i 'verify error\|error' "$errors")"
  rm -f "$errors"
  echo "bmp-post: no verified TLS connection to $hostport (exit $ended): ${reason:-no answer}" >&2
  exit 2
fi
rm -f "$errors"
printf '%s\n' "$answer" | sed '1,/^\r*$/d'
case "$status" in
  2??) exit 0 ;;
  *) echo "HTTP $status" >&2; exit 1 ;;
esac
