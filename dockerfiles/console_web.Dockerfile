# bmp-console-web: the tenants' web console, built with Node from the lockfile and served by the
# official nginx image on port 8080, in front of console-api (/console-web/ and /oob-alert/).
# Build context: the repository root.   ./bmp-build-image.sh build console-web

# BASE_IMAGE: the runtime's base, the official nginx image (bmp-build-image.sh passes it from
# BASE_REGISTRY); without a registry (buildah) a local Debian base with Debian's nginx and an
# entrypoint that fills the template the same way. DIST_IMAGE: where the built files come from,
# the Node stage below by default; without a registry an image of the files built on the host
# (deploy/local/console-web-build.sh), and the Node stage is skipped.
ARG BASE_IMAGE=nginx:1.28-alpine
ARG DIST_IMAGE=builder

# ---- builder: npm ci from the lockfile, then vite build -----------------------------------------
FROM node:20.19-bookworm-slim AS builder

WORKDIR /src
# The workspace's manifests first (the npm ci layer is kept while only sources change).
COPY package.json package-lock.json ./
COPY services/web_common/package.json services/web_common/
COPY services/console_web/package.json services/console_web/
RUN npm ci --no-audit --no-fund --ignore-scripts
# Only the shared package and the app: no other service, no .env, no var/.
COPY services/web_common/ services/web_common/
COPY services/console_web/ services/console_web/
RUN npm run build --workspace services/console_web

# ---- the built files: the stage above, or the host's build ----------------------------------------
FROM ${DIST_IMAGE} AS dist

# ---- runtime: the official nginx image, its unprivileged user --------------------------------------
FROM ${BASE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="bmp-console-web" \
      org.opencontainers.image.description="BMP tenant web console (nginx)"

# No default site; the server block comes from the template at start (entrypoint, envsubst).
RUN rm -f /etc/nginx/conf.d/default.conf

COPY deploy/docker/nginx-console-web.conf /etc/nginx/nginx.conf
COPY services/console_web/nginx/console-web.conf.template /etc/nginx/templates/console-web.conf.template
COPY --from=dist /src/services/console_web/dist /usr/share/nginx/html

# What the template is filled with; compose may say otherwise.
ENV NGINX_ENVSUBST_OUTPUT_DIR=/tmp \
    BMP_CONSOLE_WEB_LISTEN=8080 \
    BMP_CONSOLE_WEB_ROOT=/usr/share/nginx/html \
    BMP_CONSOLE_API_UPSTREAM=bmp-console-api:8800

# Numeric: the image's nginx user (101), so that runtimes can verify it is not root.
USER 101:101
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]

# -e stderr: nginx opens its compiled-in error log before reading the config, which a non-root
# user on a read-only root fs cannot.
CMD ["nginx", "-e", "stderr", "-g", "daemon off;"]
