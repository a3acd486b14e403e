#!/bin/sh
# Entrypoint of the local nginx base (bmp-build-image.sh without a registry), doing what the
# official nginx image's does for the web consoles: each /etc/nginx/templates/*.template is
# filled with the container's environment (only variables that are set, so that nginx's own
# $variables stay) into $NGINX_ENVSUBST_OUTPUT_DIR, then the command runs.
set -eu
template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
case ${1:-} in
    nginx | nginx-debug)
        # shellcheck disable=SC2016  # '${NAME}' is envsubst's list of names, not expanded here
        defined=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')
        for template in "$template_dir"/*"$suffix"; do
            [ -f "$template" ] || continue
            name=${template##*/}
            envsubst "$defined" <"$template" >"$output_dir/${name%"$suffix"}"
        done
        ;;
esac
exec "$@"
