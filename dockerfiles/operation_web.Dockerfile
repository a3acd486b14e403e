# bmp-operation-web: the operators' web console, built with Node from the lockfile and served by
# the official nginx image on port 8081, in front of operation-api (/operation-web/ and
# /oob-alert/). Build context: the repository root.   ./bmp-build-image.sh build operation-web

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
COPY services/operation_web/package.json services/operation_web/
RUN npm ci --no-audit --no-fund --ignore-scripts
# Only the shared package and the app: no other service, no .env, no var/.
COPY services/web_common/ services/web_common/
COPY services/operation_web/ services/operation_web/
RUN npm run build --workspace services/operation_web

# ---- the built files: the stage above, or the host's build ----------------------------------------
FROM ${DIST_IMAGE} AS dist

# ---- runtime: the official nginx image, its unprivileged user --------------------------------------
FROM ${BASE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="bmp-operation-web" \
      org.opencontainers.image.description="BMP operator web console (nginx)"

# No default site; the server block comes from the template at start (entrypoint, envsubst).
RUN rm -f /etc/nginx/conf.d/default.conf

COPY deploy/docker/nginx-operation-web.conf /etc/nginx/nginx.conf
COPY services/operation_web/nginx/operation-web.conf.template /etc/nginx/templates/operation-web.conf.template
COPY --from=dist /src/services/operation_web/dist /usr/share/nginx/html

# What the template is filled with; compose may say otherwise.
ENV NGINX_ENVSUBST_OUTPUT_DIR=/tmp \
    BMP_OPERATION_WEB_LISTEN=8081 \
    BMP_OPERATION_WEB_ROOT=/usr/share/nginx/html \
    BMP_OPERATION_API_UPSTREAM=bmp-operation-api:8799

# Numeric: the image's nginx user (101), so that runtimes can verify it is not root.
USER 101:101
EXPOSE 8081

HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8081/health"]

# -e stderr: nginx opens its compiled-in error log before reading the config, which a non-root
# user on a read-only root fs cannot.
CMD ["nginx", "-e", "stderr", "-g", "daemon off;"]
